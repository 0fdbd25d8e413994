import { UseSignal } from '@jupyterlab/ui-components';
import { Signal } from '@lumino/signaling';
import React, { act, useLayoutEffect } from 'react';
import { createRoot, Root } from 'react-dom/client';

import { Follow } from './Follow';

/** A stand-in for a model: one state and its signal. */
class FakeModel {
  state = 'Listing your readable secrets…';
  readonly stateChanged = new Signal<this, string>(this);
  emits = 0;

  set(state: string): void {
    this.state = state;
    this.emits++;
    this.stateChanged.emit(state);
  }
}

/**
 * Changes the model once, after the views beside it have rendered and
 * before they are mounted: what a server reply does when it lands while
 * React renders the panel's views in slices.
 */
function ChangeBeforeMount(props: { run: () => void }): null {
  useLayoutEffect(() => props.run(), []);
  return null;
}

describe('Follow', () => {
  (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

  let host: HTMLElement;
  let root: Root;
  let model: FakeModel;

  beforeEach(() => {
    model = new FakeModel();
    host = document.createElement('div');
    document.body.appendChild(host);
    root = createRoot(host);
  });

  afterEach(() => {
    act(() => root.unmount());
    host.remove();
  });

  it('renders again on every emission', () => {
    act(() => {
      root.render(
        <Follow signal={model.stateChanged}>{() => model.state}</Follow>
      );
    });
    expect(host.textContent).toBe('Listing your readable secrets…');
    act(() => model.set('secret/'));
    expect(host.textContent).toBe('secret/');
    act(() => model.set('kv1/'));
    expect(host.textContent).toBe('kv1/');
  });

  it('does not miss a change emitted between its render and its mount', () => {
    act(() => {
      root.render(
        <>
          <ChangeBeforeMount run={() => model.set('secret/')} />
          <Follow signal={model.stateChanged}>{() => model.state}</Follow>
        </>
      );
    });
    expect(model.emits).toBe(1);
    expect(host.textContent).toBe('secret/');
  });

  it('renders no more than needed when nothing was missed', () => {
    let renders = 0;
    act(() => {
      root.render(
        <Follow signal={model.stateChanged}>
          {() => {
            renders++;
            return model.state;
          }}
        </Follow>
      );
    });
    expect(renders).toBe(1);
    act(() => model.set('secret/'));
    expect(renders).toBe(2);
  });

  it('stops following once unmounted', () => {
    act(() => {
      root.render(
        <Follow signal={model.stateChanged}>{() => model.state}</Follow>
      );
    });
    act(() => root.render(<p>gone</p>));
    act(() => model.set('secret/'));
    expect(host.textContent).toBe('gone');
  });

  // Why Follow exists: the stuck "Listing your readable secrets…" of the
  // panel (JupyterLab's UseSignal connects in componentDidMount).
  it('is needed: UseSignal keeps the state it rendered in that case', () => {
    act(() => {
      root.render(
        <>
          <ChangeBeforeMount run={() => model.set('secret/')} />
          <UseSignal signal={model.stateChanged}>{() => model.state}</UseSignal>
        </>
      );
    });
    expect(host.textContent).toBe('Listing your readable secrets…');
  });
});
