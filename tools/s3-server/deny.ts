/**
 * The bucket policy: keys a GET/HEAD is refused for (403 AccessDenied) even
 * though listings show them, as on the real bucket (bucket-layout.md §1).
 */
import type { DenyRule } from './types.ts';

/**
 * The real bucket's policy:
 * - held-out sessions ses-31..ses-34 are denied, except the public `oloc`
 *   localizer files under derivatives/localizers/ (task-oloc ran in ses-31);
 * - the DUA-gated raw stimuli file.
 */
export const LAION_DENY_RULES: readonly DenyRule[] = [
  { pattern: /\/ses-3[1-4]\//, except: /^derivatives\/localizers\/(?:[^/]*\/)*[^/]*_task-oloc[^/]*$/ },
  { pattern: /^stimuli\/task-images_stimuli\.h5$/ },
];

interface CompiledRule {
  pattern: RegExp;
  except: RegExp | null;
}

function compile(r: RegExp | string): RegExp {
  return typeof r === 'string' ? new RegExp(r) : new RegExp(r.source, r.flags.replace(/[gy]/g, ''));
}

export class DenyPolicy {
  private readonly rules: CompiledRule[];

  constructor(rules: readonly DenyRule[] | 'laion-fmri' | undefined) {
    const list = rules === undefined || rules === 'laion-fmri' ? LAION_DENY_RULES : rules;
    // Global/sticky flags would make test() stateful; they are dropped.
    this.rules = list.map((r) => ({ pattern: compile(r.pattern), except: r.except === undefined ? null : compile(r.except) }));
  }

  denies(key: string): boolean {
    return this.rules.some((r) => r.pattern.test(key) && !(r.except?.test(key) ?? false));
  }
}
