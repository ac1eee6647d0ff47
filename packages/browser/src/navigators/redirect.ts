import type { AuthWindow, Navigator } from './navigator.ts';

/** Runs the request in this page: `location.assign(url)`; the flow ends in `signinCallback`. */
export class RedirectNavigator implements Navigator {
  prepare(): AuthWindow {
    return {
      navigate(url) {
        location.assign(url);
        return new Promise<never>(() => {});
      },
      close() {},
    };
  }
}
