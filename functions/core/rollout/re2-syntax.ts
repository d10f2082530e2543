// Whether a header-match regex is valid RE2 (Perl flags: the dialect of Envoy-based gateways,
// and of the apiserver's CEL, which refuses bad patterns when a Rollout is applied), read by
// @bufbuild/re2, a port of RE2's parser (pure: no I/O). It follows RE2, not Go, on the names
// inside \p{…}: exact names only (Go 1.25+ also reads loose spellings like \p{greek}).
import { RE2JS, RE2JSException } from '@bufbuild/re2';

/** Why RE2 refuses `pattern` (its parser's wording, as Go's), or undefined when it parses. */
export function re2SyntaxError(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    return error.message.replace(/^error parsing regexp: /, '');
  }
}
