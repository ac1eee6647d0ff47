import { UserManagerError } from '../errors.ts';
import { receiveCallback } from './callback-message.ts';
import type { AuthWindow, Navigator } from './navigator.ts';

/**
 * Runs the request in a hidden iframe (`signinSilent` with `prompt=none`): the identity provider
 * answers at once, with a code or `login_required`, and the callback page posts its URL to this
 * window. No answer within the timeout rejects with `ERR_TIMEOUT`.
 */
export class IframeNavigator implements Navigator {
  readonly #timeoutSeconds: number;

  constructor(timeoutSeconds: number) {
    this.#timeoutSeconds = timeoutSeconds;
  }

  prepare(): AuthWindow {
    const frame = document.createElement('iframe');
    frame.setAttribute('aria-hidden', 'true');
    frame.style.cssText = 'position:fixed;width:0;height:0;border:0;visibility:hidden';
    document.body.appendChild(frame);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const callback = receiveCallback(() => frame.contentWindow);
    const close = () => {
      clearTimeout(timer);
      callback.stop();
      frame.remove();
    };
    const seconds = this.#timeoutSeconds;
    return {
      navigate(url) {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(
              new UserManagerError(
                'ERR_TIMEOUT',
                `the silent sign-in iframe gave no answer within ${seconds} s`,
              ),
            );
          }, seconds * 1000);
        });
        frame.src = url;
        return Promise.race([callback.url, timeout]).finally(close);
      },
      close,
    };
  }
}
