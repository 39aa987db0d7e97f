// A rule set whose classifier throws from every method: a defect of the service met while the facts are
// worked out, for tests of what the clinician and the rule tests see then.
import type { RuleSet } from '../../src/engine/index.ts';

export const CLASSIFIER_DEFECT = 'classifier defect';

export function withThrowingClassifier(set: RuleSet): RuleSet {
  const classifier = new Proxy(set.classifier, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function'
        ? () => {
            throw new TypeError(CLASSIFIER_DEFECT);
          }
        : value;
    },
  });
  return { ...set, classifier };
}
