/** Markup that is already escaped: {@link html} inserts it as is. */
export class SafeHtml {
  /** @param value escaped markup */
  constructor(readonly value: string) {}
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A tagged template whose interpolations are escaped, unless they are {@link SafeHtml}. Arrays are
 * joined; `undefined`, `null` and `false` render as nothing (for `cond && html\`…\``).
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item instanceof SafeHtml) out += item.value;
      else if (item !== undefined && item !== null && item !== false) out += escapeHtml(String(item));
    }
    out += strings[i + 1] ?? '';
  });
  return new SafeHtml(out);
}
