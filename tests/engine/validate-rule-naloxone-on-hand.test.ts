/**
 * An override reason may record rescue naloxone on hand (recordsNaloxoneOnHand): the snooze it makes is the
 * record, so the flag is allowed only with snoozeDays (without a period nothing would be recorded, and the
 * author would believe the offer stops).
 */
import { describe, expect, it } from 'vitest';
import { ruleErrors } from './rule-errors.ts';

const FILE = 'naloxone-co-prescribe.json';
const errorsFor = ruleErrors(FILE);
const reasonIndex = (rule: any, code: string): number => rule.card.overrideReasons.findIndex((r: any) => r.code === code);

describe('validateRule: recordsNaloxoneOnHand on an override reason', () => {
  it('accepts the shipped naloxone rule, whose "has-naloxone" reason records naloxone on hand with its snooze', () => {
    expect(errorsFor(() => undefined)).toEqual([]);
    expect(errorsFor((r) => (r.card.overrideReasons[reasonIndex(r, 'declined')].recordsNaloxoneOnHand = true))).toEqual([]);
  });

  it('refuses the flag on a reason without snoozeDays, saying what it needs', () => {
    const errors = errorsFor((r) => (r.card.overrideReasons[reasonIndex(r, 'not-applicable')].recordsNaloxoneOnHand = true));
    expect(errors).toEqual([`${FILE}: /card/overrideReasons/2: "recordsNaloxoneOnHand" is allowed only together with "snoozeDays"`]);
    const dropped = errorsFor((r) => delete r.card.overrideReasons[reasonIndex(r, 'has-naloxone')].snoozeDays);
    expect(dropped).toEqual([`${FILE}: /card/overrideReasons/0: "recordsNaloxoneOnHand" is allowed only together with "snoozeDays"`]);
  });

  it('refuses a flag that is not true or false', () => {
    expect(errorsFor((r) => (r.card.overrideReasons[reasonIndex(r, 'has-naloxone')].recordsNaloxoneOnHand = 'yes'))).toEqual([
      `${FILE}: /card/overrideReasons/0/recordsNaloxoneOnHand: must be a boolean`,
    ]);
  });
});
