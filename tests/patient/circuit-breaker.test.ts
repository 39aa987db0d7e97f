import { describe, expect, it } from 'vitest';
import { createCircuitBreakers } from '../../src/patient/index.ts';

describe('circuit breaker per FHIR server', () => {
  it('opens after the failure threshold, fails fast while open, lets one round of trial calls through after the cool-down', () => {
    let now = 0;
    const b = createCircuitBreakers({ failureThreshold: 3, coolDownMs: 1000, trialCalls: 5, now: () => now });
    const server = 'https://ehr.test/fhir';
    for (let i = 0; i < 3; i++) {
      expect(b.allow(server)).toBe(true);
      b.failed(server);
    }
    expect(b.allow(server)).toBe(false);
    expect(b.isOpen(server)).toBe(true);
    now = 1000;
    // One request's parallel calls (its missing prefetch keys) all go through as trials.
    for (let i = 0; i < 5; i++) expect(b.allow(server)).toBe(true);
    expect(b.allow(server)).toBe(false); // no more until one of them answers
    b.succeeded(server);
    expect(b.allow(server)).toBe(true);
    expect(b.isOpen(server)).toBe(false);
  });

  it('starts a new round of trials after another cool-down when no trial ever answered (their requests ran out of time)', () => {
    let now = 0;
    const b = createCircuitBreakers({ failureThreshold: 1, coolDownMs: 1000, trialCalls: 2, now: () => now });
    const server = 'https://ehr.test/fhir';
    b.failed(server);
    now = 1000;
    expect(b.allow(server)).toBe(true);
    expect(b.allow(server)).toBe(true);
    expect(b.allow(server)).toBe(false);
    now = 1999;
    expect(b.allow(server)).toBe(false);
    now = 2000;
    expect(b.allow(server)).toBe(true);
  });

  it('re-opens when the trial call fails, and keeps servers apart', () => {
    let now = 0;
    const b = createCircuitBreakers({ failureThreshold: 1, coolDownMs: 100, now: () => now });
    b.failed('https://a.test/fhir');
    expect(b.allow('https://b.test/fhir')).toBe(true);
    now = 100;
    expect(b.allow('https://a.test/fhir/')).toBe(true);
    b.failed('https://a.test/fhir');
    expect(b.allow('https://a.test/fhir')).toBe(false);
  });

  it('an open breaker stays open however many other servers clients name, looked up or failing', () => {
    const b = createCircuitBreakers({ failureThreshold: 2, coolDownMs: 10_000, now: () => 0 });
    const ehr = 'https://ehr.hospital.example/fhir';
    b.failed(ehr);
    b.failed(ehr);
    // 10,000 other bases under an allowlisted prefix: asked about, and each failing once (closed breakers).
    for (let i = 0; i < 10_001; i++) {
      const other = `${ehr}/x${i}`;
      expect(b.allow(other)).toBe(true);
      b.failed(other);
    }
    expect(b.isOpen(ehr)).toBe(true);
    expect(b.allow(ehr)).toBe(false);
  });

  it('one server has one breaker however the client spells its URL (case of scheme and host, default port, trailing slashes)', () => {
    const b = createCircuitBreakers({ failureThreshold: 2, coolDownMs: 10_000, now: () => 0 });
    b.failed('https://ehr.hospital.example/fhir');
    b.failed('HTTPS://EHR.Hospital.Example:443/fhir/');
    for (const spelling of ['https://ehr.hospital.example/fhir', 'https://EHR.hospital.example/fhir', 'https://ehr.hospital.example:443/fhir', 'https://ehr.hospital.example/fhir//', 'https://ehr.hospital.example/fhir?x=1']) {
      expect(b.isOpen(spelling), spelling).toBe(true);
      expect(b.allow(spelling), spelling).toBe(false);
    }
    // Another port, another path or another host is another server.
    for (const other of ['https://ehr.hospital.example:8443/fhir', 'https://ehr.hospital.example/FHIR', 'https://ehr.hospital.example/fhir/r4', 'http://ehr.hospital.example/fhir']) {
      expect(b.allow(other), other).toBe(true);
    }
  });
});
