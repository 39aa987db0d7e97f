import { describe, expect, it } from 'vitest';
import { createCircuitBreakers } from '../../src/patient/index.ts';

describe('circuit breaker per FHIR server', () => {
  it('opens after the failure threshold, fails fast while open, lets one round of trial calls through after the cool-down', () => {
    let now = 0;
    const b = createCircuitBreakers({ failureThreshold: 3, coolDownMs: 1000, trialCalls: 5, now: () => now });
    const server = 'https://ehr.test/fhir';
    for (let i = 0; i < 3; i++) {
      expect(b.allow(server)).toBeDefined();
      b.failed(server);
    }
    expect(b.allow(server)).toBeUndefined();
    expect(b.isOpen(server)).toBe(true);
    now = 1000;
    // One request's parallel calls (its missing prefetch keys) all go through as trials.
    const trials = Array.from({ length: 5 }, () => b.allow(server));
    for (const trial of trials) expect(trial).toBeDefined();
    expect(b.allow(server)).toBeUndefined(); // no more until one of them answers
    b.succeeded(server, trials[2]!);
    expect(b.allow(server)).toBeDefined();
    expect(b.isOpen(server)).toBe(false);
  });

  it('starts a new round of trials after another cool-down when no trial ever answered (their requests ran out of time)', () => {
    let now = 0;
    const b = createCircuitBreakers({ failureThreshold: 1, coolDownMs: 1000, trialCalls: 2, now: () => now });
    const server = 'https://ehr.test/fhir';
    b.failed(server);
    now = 1000;
    expect(b.allow(server)).toBeDefined();
    expect(b.allow(server)).toBeDefined();
    expect(b.allow(server)).toBeUndefined();
    now = 1999;
    expect(b.allow(server)).toBeUndefined();
    now = 2000;
    expect(b.allow(server)).toBeDefined();
  });

  it('re-opens when the trial call fails, and keeps servers apart', () => {
    let now = 0;
    const b = createCircuitBreakers({ failureThreshold: 1, coolDownMs: 100, now: () => now });
    b.failed('https://a.test/fhir');
    expect(b.allow('https://b.test/fhir')).toBeDefined();
    now = 100;
    expect(b.allow('https://a.test/fhir/')).toBeDefined();
    b.failed('https://a.test/fhir');
    expect(b.allow('https://a.test/fhir')).toBeUndefined();
  });

  it('an open breaker stays open however many other servers clients name, looked up or failing', () => {
    const b = createCircuitBreakers({ failureThreshold: 2, coolDownMs: 10_000, now: () => 0 });
    const ehr = 'https://ehr.hospital.example/fhir';
    b.failed(ehr);
    b.failed(ehr);
    // 10,000 other bases under an allowlisted prefix: asked about, and each failing once (closed breakers).
    for (let i = 0; i < 10_001; i++) {
      const other = `${ehr}/x${i}`;
      expect(b.allow(other)).toBeDefined();
      b.failed(other);
    }
    expect(b.isOpen(ehr)).toBe(true);
    expect(b.allow(ehr)).toBeUndefined();
  });

  it('one server has one breaker however the client spells its URL (case of scheme and host, default port, trailing slashes)', () => {
    const b = createCircuitBreakers({ failureThreshold: 2, coolDownMs: 10_000, now: () => 0 });
    b.failed('https://ehr.hospital.example/fhir');
    b.failed('HTTPS://EHR.Hospital.Example:443/fhir/');
    for (const spelling of ['https://ehr.hospital.example/fhir', 'https://EHR.hospital.example/fhir', 'https://ehr.hospital.example:443/fhir', 'https://ehr.hospital.example/fhir//', 'https://ehr.hospital.example/fhir?x=1']) {
      expect(b.isOpen(spelling), spelling).toBe(true);
      expect(b.allow(spelling), spelling).toBeUndefined();
    }
    // Another port, another path or another host is another server.
    for (const other of ['https://ehr.hospital.example:8443/fhir', 'https://ehr.hospital.example/FHIR', 'https://ehr.hospital.example/fhir/r4', 'http://ehr.hospital.example/fhir']) {
      expect(b.allow(other), other).toBeDefined();
    }
  });

  it('a success closes an open breaker only when the call was one of its trials: not a call that started before it opened, nor a trial of an earlier opening', () => {
    let now = 0;
    const b = createCircuitBreakers({ failureThreshold: 2, coolDownMs: 1000, trialCalls: 2, now: () => now });
    const server = 'https://ehr.test/fhir';
    const straggler = b.allow(server)!; // a slow call, let through while the server still answered
    b.failed(server);
    b.failed(server); // other calls fail: open
    b.succeeded(server, straggler); // the slow call's answer comes at last (a 200, or a 401 from a working server)
    expect(b.isOpen(server)).toBe(true);
    expect(b.allow(server)).toBeUndefined();
    now = 1000;
    const first = b.allow(server)!;
    const second = b.allow(server)!;
    b.failed(server); // one trial fails: open again
    b.succeeded(server, first); // the other trial, of the previous opening, answers later
    expect(b.isOpen(server)).toBe(true);
    now = 2000;
    const third = b.allow(server)!;
    const fourth = b.allow(server)!; // the new round's two trials
    b.succeeded(server, second); // the last trial of the earlier opening answers: still half-open
    expect(b.allow(server)).toBeUndefined();
    b.succeeded(server, fourth);
    expect(b.allow(server)).toBeDefined(); // closed
    expect(b.allow(server)).toBeDefined();
    b.failed(server);
    b.succeeded(server, third); // a success while closed clears the failure count
    b.failed(server);
    expect(b.isOpen(server)).toBe(false);
  });
});
