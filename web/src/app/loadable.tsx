// Pages loaded with their own code. React's `lazy` alone suspends on a page's first render even
// when its code is already here, and React 19 then holds the page's reveal for up to ~300 ms (its
// Suspense throttle) — so the page asks for its data that much later. A `loadable` page renders at
// once when its code was loaded before (see `preload`), and falls back to `lazy` otherwise.

import { lazy, type ComponentType, type ReactElement } from "react";

/** A page component that loads its code on first use, with `preload()` to load it ahead. */
export type Loadable<P> = ((props: P) => ReactElement) & { preload: () => Promise<unknown> };

export function loadable<P extends object>(load: () => Promise<{ default: ComponentType<P> }>): Loadable<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<{ default: ComponentType<P> }> | null = null;
  const preload = () => {
    pending ??= load().then(
      (m) => {
        loaded = m.default;
        return m;
      },
      (e: unknown) => {
        pending = null; // tried again on the next use
        throw e;
      },
    );
    return pending;
  };
  const Lazy = lazy(preload);
  const Page = (props: P) => {
    const Code = loaded;
    return Code ? <Code {...props} /> : <Lazy {...props} />;
  };
  return Object.assign(Page, { preload });
}
