import { fail, UserManagerError } from '../errors.ts';
import { receiveCallback } from './callback-message.ts';
import type { AuthWindow, Navigator } from './navigator.ts';

/**
 * Runs the request in a popup, opened at once (in the user's click: browsers block popups opened
 * later) and then sent to the request URL. The callback page posts its URL back (`signinCallback`)
 * and this window closes the popup. Closing it by hand rejects with `ERR_POPUP_CLOSED` (checked
 * every 500 ms: browsers have no event for it).
 */
export class PopupNavigator implements Navigator {
  readonly #features: string;

  /** @param features the `features` of `window.open` */
  constructor(features: string) {
    this.#features = features;
  }

  prepare(): AuthWindow {
    const popup = window.open('about:blank', '_blank', this.#features);
    if (!popup) fail('ERR_POPUP_BLOCKED', 'the browser blocked the popup: open it from a click handler');
    let poll: ReturnType<typeof setInterval> | undefined;
    const callback = receiveCallback(() => popup);
    const close = () => {
      clearInterval(poll);
      callback.stop();
      popup.close();
    };
    return {
      navigate(url) {
        const closed = new Promise<never>((_, reject) => {
          poll = setInterval(() => {
            if (!popup.closed) return;
            close();
            reject(new UserManagerError('ERR_POPUP_CLOSED', 'the popup was closed before the flow finished'));
          }, 500);
        });
        popup.location.replace(url);
        return Promise.race([callback.url, closed]).finally(close);
      },
      close,
    };
  }
}
