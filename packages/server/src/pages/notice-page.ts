import { html, type PageLink, renderPage } from './html.ts';

/** What a notice page says. */
export interface NoticePageInput {
  title: string;
  /** Paragraphs, in order. */
  message: string[];
  /** Where to go next, as the page's button. */
  next?: PageLink;
  status?: number;
}

/**
 * A page that tells the outcome of an account step ("Check your inbox", "Your password was
 * changed", "This link has expired") and, when there is one, the way on.
 */
export function noticePage(input: NoticePageInput): Response {
  return renderPage(
    input.title,
    html`<h1>${input.title}</h1>
${input.message.map((paragraph) => html`<p>${paragraph}</p>`)}
${input.next ? html`<a class="button" href="${input.next.href}">${input.next.text}</a>` : ''}`,
    { status: input.status ?? 200 },
  );
}
