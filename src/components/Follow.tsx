import { ISignal } from '@lumino/signaling';
import React, { useCallback, useSyncExternalStore } from 'react';

/*
 * Views that follow a model's signal without missing an emission.
 *
 * `UseSignal` (@jupyterlab/apputils) connects to its signal in
 * `componentDidMount`: a change emitted after it rendered but before it was
 * mounted is lost, and the view keeps the state it rendered until the next
 * emission. React can yield between the two: the panel's views come from a
 * lazy chunk, rendered (in slices, as a Suspense retry) while the first
 * catalog may still be being read, and a catalog reply landing in a slice's gap
 * left the tree on "Listing your readable secrets…" for good (the model was
 * loaded; nothing emitted again). Here React's own external-store hook counts
 * the signal's emissions and, once subscribed, compares the count with the
 * one it rendered with: a missed emission renders again.
 */

type AnySignal = ISignal<unknown, unknown>;

/** How many times each followed signal has emitted (counted from its first use). */
const emissions = new WeakMap<AnySignal, { count: number }>();

/** The emission counter of a signal, connected on first use. */
function counterOf(signal: AnySignal): { count: number } {
  let counter = emissions.get(signal);
  if (!counter) {
    const created = { count: 0 };
    // Connected before any view subscribes, so it has counted an emission
    // by the time a view's own slot sees it.
    signal.connect(() => {
      created.count++;
    });
    emissions.set(signal, created);
    counter = created;
  }
  return counter;
}

/**
 * Re-render the calling component on every emission of `signal`, including
 * one emitted between its render and its subscription.
 *
 * @param signal a model's signal (the same object on every render)
 * @returns how many times it has emitted (a value to ignore, or a key)
 */
export function useSignal(signal: AnySignal): number {
  const counter = counterOf(signal);
  const subscribe = useCallback(
    (changed: () => void) => {
      const slot = () => changed();
      signal.connect(slot);
      return () => {
        signal.disconnect(slot);
      };
    },
    [signal]
  );
  return useSyncExternalStore(subscribe, () => counter.count);
}

/** Props of {@link Follow}. */
export interface IFollowProps {
  /** Render again whenever it emits. */
  signal: AnySignal;
  /** What to render; reads the model's current state. */
  children: () => React.ReactNode;
}

/**
 * Render `children` again on every emission of `signal`: `UseSignal`
 * without its gap between render and mount (see above).
 */
export function Follow(props: IFollowProps): JSX.Element {
  useSignal(props.signal);
  return <>{props.children()}</>;
}
