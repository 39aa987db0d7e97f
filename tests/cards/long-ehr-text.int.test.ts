// Text an EHR sends is copied onto cards: medication names (each card lists up to MAX_LISTED of them, in
// several lists), condition names and reasons that quote the order. Uncapped, 100 drafts named with 48,000
// characters each (a 4.9 MB request) made a 96 MB response. Each text is now cut to MAX_TEXT characters:
// the card still names the drug, and its size no longer grows with the names.
import { marked } from 'marked';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { MAX_TEXT } from '../../src/cards/card-view.ts';
import { MAX_INCOMPLETE_LINES } from '../../src/cards/incomplete-card.ts';
import type { Card } from '../../src/protocol/types.ts';
import { ORDER_SIGN, createTestApp, expectConformant, fixture } from '../support/test-app.ts';

const NOW = (): Date => new Date('2026-11-21T12:00:00Z');
const OXYCODONE = 'Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet';
/** The longest a card's detail gets in these tests' requests, whatever the names. */
const MAX_DETAIL = 8_000;

/** `name` followed by `filler` up to `length` characters. */
const padded = (name: string, length: number, filler = 'x'): string => `${name} ${filler.repeat(length - name.length - 1)}`;

async function post(body: Record<string, any>): Promise<{ cards: Card[]; size: number }> {
  const t = await createTestApp({ now: NOW });
  const res = await request(t.app).post(ORDER_SIGN).send(body);
  expect(res.status).toBe(200);
  return { cards: expectConformant(res.body), size: res.text.length };
}

const byTopic = (cards: readonly Card[], topic: string): Card[] => cards.filter((c) => c.source.topic?.code === topic);

describe('EHR text on cards is cut to a bounded length', () => {
  it('100 drafts named with 48,000 characters each: every card names the drug, and no card detail grows with the names', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const draft = body.context.draftOrders.entry[0].resource;
    const name = padded(OXYCODONE, 48_000);
    body.context.draftOrders.entry = Array.from({ length: 100 }, (_, i) => ({ resource: { ...draft, id: `draft-${i}`, medicationCodeableConcept: { text: name } } }));
    const requestSize = JSON.stringify(body).length;
    const { cards, size } = await post(body);
    expect(byTopic(cards, 'opioid-benzodiazepine')).toHaveLength(100);
    for (const card of cards) {
      expect(card.summary.length).toBeLessThan(140);
      expect(card.detail?.length ?? 0).toBeLessThan(MAX_DETAIL);
    }
    for (const card of byTopic(cards, 'opioid-benzodiazepine')) {
      // Still names the drug being signed (cut with an ellipsis) and the benzodiazepine it meets.
      expect(card.detail).toMatch(new RegExp(`\\*\\*Draft order:\\*\\* ${OXYCODONE} x{${MAX_TEXT - OXYCODONE.length - 3},${MAX_TEXT}}…\\n`));
      expect(card.detail).toContain('Alprazolam');
    }
    // 96 MB before; the suggestions' texts are cut too, so the answer is well below the request's size.
    expect(size).toBeLessThan(requestSize / 2);
    for (const card of cards) {
      for (const suggestion of card.suggestions ?? []) {
        for (const action of suggestion.actions ?? []) expect(action.description.length).toBeLessThan(MAX_TEXT + 100);
      }
    }
  }, 60_000);

  it('a cut name keeps its Markdown escaped: 48,000 "*", "_" and "www." characters render as text, not emphasis or a link', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const draft = body.context.draftOrders.entry[0].resource;
    for (const filler of ['*', '_', 'www.', '[a](https://x.example)']) {
      draft.medicationCodeableConcept = { text: padded(OXYCODONE, 48_000, filler).slice(0, 48_000) };
      const { cards } = await post(body);
      const [card] = byTopic(cards, 'opioid-benzodiazepine');
      expect(card?.detail?.length ?? Infinity).toBeLessThan(MAX_DETAIL);
      const html = String(marked.parse(card?.detail ?? '', { gfm: true }));
      expect(html).toContain(OXYCODONE);
      expect(html).not.toMatch(/<a\b|<em>\s*[*_]|<del>/);
    }
  });

  it('a condition recorded with a 48,000-character name is still listed as a risk factor, cut', async () => {
    const body = fixture('rules/opioid-benzodiazepine/norco-with-klonopin-sleep-apnea.json');
    const condition = body.prefetch.conditions.entry.find((e: any) => e.resource.code?.coding?.[0]?.code === 'G47.33').resource;
    condition.code.text = padded('Obstructive sleep apnea', 48_000);
    const { cards } = await post(body);
    const [card] = byTopic(cards, 'opioid-benzodiazepine');
    expect(card?.detail).toMatch(/Sleep apnea[^\n]*\(recorded as "Obstructive sleep apnea x+…"\)/i);
    expect(card?.detail?.length ?? Infinity).toBeLessThan(MAX_DETAIL);
  });

  it('an opioid dose that cannot be read because of a 48,000-character period unit is listed with a cut reason', async () => {
    const body = fixture('rules/opioid-high-mme/oxycodone-10mg-every-4h-90-mme.json');
    const draft = body.context.draftOrders.entry.find((e: any) => e.resource.resourceType === 'MedicationRequest').resource;
    const second = structuredClone(draft);
    second.id = 'draft-oxycodone-2';
    second.dosageInstruction[0].timing.repeat.periodUnit = 'h'.repeat(48_000);
    body.context.draftOrders.entry.push({ resource: second });
    const { cards } = await post(body);
    const [card] = byTopic(cards, 'opioid-high-mme');
    expect(card?.detail).toMatch(/: unknown \(unknown period unit 'h+…\)/);
    expect(card?.detail?.length ?? Infinity).toBeLessThan(MAX_DETAIL);
  });
});

describe('the "check incomplete" card stays readable however many parts are missing', () => {
  it('100 drafts whose doses cannot be read, each with a 48,000-character name: at most MAX_INCOMPLETE_LINES lines, each cut, the rest counted', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const draft = body.context.draftOrders.entry[0].resource;
    const name = padded(OXYCODONE, 48_000);
    body.context.draftOrders.entry = Array.from({ length: 100 }, (_, i) => ({
      resource: { ...draft, id: `draft-${i}`, medicationCodeableConcept: { text: `${i} ${name}` }, dosageInstruction: [{ ...draft.dosageInstruction[0], timing: { repeat: { frequency: 1, period: 1e-300, periodUnit: 'd' } } }] },
    }));
    const { cards } = await post(body);
    const incomplete = byTopic(cards, 'check-incomplete');
    expect(incomplete).toHaveLength(1);
    const lines = (incomplete[0]!.detail ?? '').split('\n').filter((l) => l.startsWith('- '));
    expect(lines).toHaveLength(MAX_INCOMPLETE_LINES);
    expect(lines.at(-1)).toMatch(/^- … and \d+ more parts of the check that could not be done\.$/);
    expect(lines[0]).toMatch(/Could not check/);
    for (const line of lines) expect(line.length).toBeLessThan(3 * MAX_TEXT);
  }, 60_000);
});
