/**
 * The pop-up of the browser sign-in. It is opened blank on the click (a
 * pop-up opened later, after the server answered, would be blocked), then
 * sent to the identity provider's page; the panel closes it once the server
 * reports the outcome. It never reads anything from the pop-up.
 */

/** Name of the pop-up window (a second click reuses it). */
export const POPUP_NAME = 'vault-jwt-signin';

/** The pop-up window of one sign-in. */
export class SignInPopup {
  /**
   * Open a blank pop-up now (call it in the click handler).
   *
   * @param opener the window to open it from (`window` by default)
   */
  constructor(opener: Pick<Window, 'open'> = window) {
    this._window = opener.open(
      'about:blank',
      POPUP_NAME,
      'popup,width=520,height=700'
    );
  }

  /** Whether the browser let the pop-up open. */
  get opened(): boolean {
    return this._window !== null && !this._window.closed;
  }

  /**
   * Send the pop-up to the provider's page.
   *
   * @param url the authorization URL the server answered
   */
  navigate(url: string): void {
    if (this._window && !this._window.closed) {
      this._window.location.href = url;
    }
  }

  /** Close the pop-up (no-op when the user closed it). */
  close(): void {
    if (this._window && !this._window.closed) {
      this._window.close();
    }
    this._window = null;
  }

  private _window: Window | null;
}
