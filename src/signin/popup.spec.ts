import { POPUP_NAME, SignInPopup } from './popup';

/** A plainly named fake of the window the pop-up is opened from. */
function fakeOpener(blocked = false) {
  const popup = {
    closed: false,
    location: { href: 'about:blank' },
    close() {
      this.closed = true;
    }
  };
  const calls: unknown[][] = [];
  return {
    popup,
    calls,
    opener: {
      open: (...args: unknown[]) => {
        calls.push(args);
        return blocked ? null : (popup as unknown as Window);
      }
    }
  };
}

describe('SignInPopup', () => {
  it('opens blank at once, then goes to the provider, then closes', () => {
    const { popup, calls, opener } = fakeOpener();
    const signIn = new SignInPopup(opener);
    expect(calls[0][0]).toBe('about:blank');
    expect(calls[0][1]).toBe(POPUP_NAME);
    expect(signIn.opened).toBe(true);
    signIn.navigate('https://idp.example/auth?state=s');
    expect(popup.location.href).toBe('https://idp.example/auth?state=s');
    signIn.close();
    expect(popup.closed).toBe(true);
    expect(signIn.opened).toBe(false);
  });

  it('copes with a blocked pop-up', () => {
    const { opener } = fakeOpener(true);
    const signIn = new SignInPopup(opener);
    expect(signIn.opened).toBe(false);
    signIn.navigate('https://idp.example/auth');
    signIn.close();
  });
});
