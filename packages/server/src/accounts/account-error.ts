import { OAuthError } from '../errors.ts';
import { noticePage } from '../pages/notice-page.ts';

/**
 * Answers an error of an account page on a page of its own (a person, not a client, reads it).
 * Other exceptions are rethrown, for the router to log and answer with a 500.
 */
export function respondToAccountError(error: unknown): Response {
  if (error instanceof OAuthError) {
    return noticePage({ title: 'Something went wrong', message: [error.message], status: error.status });
  }
  throw error;
}

/** The page of a link that is unknown, used or expired. */
export function expiredLinkPage(): Response {
  return noticePage({
    title: 'This link has expired',
    message: [
      'It was already used, or it is too old. Links we mail work once, for a short time.',
      'Start again from the sign-in page to get a new one.',
    ],
    status: 400,
  });
}
