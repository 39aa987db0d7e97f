import { describe, expect, it } from 'vitest';
import { fillPrefetchTemplate, unsupportedTokens } from '../../src/patient/index.ts';

describe('fillPrefetchTemplate', () => {
  it('fills context tokens, URL-encoded', () => {
    expect(fillPrefetchTemplate('MedicationRequest?patient={{context.patientId}}&status=active', { patientId: 'a b/c' })).toBe(
      'MedicationRequest?patient=a%20b%2Fc&status=active'
    );
  });

  it('keeps the commas of a status list as they are (FHIR search: a comma is OR), for the FHIR-server fallback', () => {
    expect(fillPrefetchTemplate('MedicationRequest?patient={{context.patientId}}&status=active,on-hold,unknown', { patientId: 'p1' })).toBe(
      'MedicationRequest?patient=p1&status=active,on-hold,unknown'
    );
  });

  it('keeps the slash of a FHIR reference (context.userId), and never lets a value add a path segment', () => {
    expect(fillPrefetchTemplate('{{context.userId}}', { patientId: 'p', userId: 'Practitioner/example' })).toBe('Practitioner/example');
    expect(fillPrefetchTemplate('{{context.userId}}', { patientId: 'p', userId: 'Practitioner/..' })).toBe('Practitioner%2F..');
    expect(fillPrefetchTemplate('Patient/{{context.patientId}}', { patientId: 'Patient/../Group/1' })).toBe('Patient/Patient%2F..%2FGroup%2F1');
  });

  it('derives the user tokens from context.userId by resource type', () => {
    const ctx = { patientId: 'p', userId: 'PractitionerRole/r1' };
    expect(fillPrefetchTemplate('PractitionerRole?_id={{userPractitionerRoleId}}', ctx)).toBe('PractitionerRole?_id=r1');
    expect(fillPrefetchTemplate('Practitioner/{{userPractitionerId}}', ctx)).toBeUndefined();
  });

  it('returns undefined when a token has no value, so the key is reported instead of fetched wrongly', () => {
    expect(fillPrefetchTemplate('Encounter/{{context.encounterId}}', { patientId: 'p' })).toBeUndefined();
  });

  it('lists tokens that CDS Hooks 2.0 does not define', () => {
    expect(unsupportedTokens('Medication?_id={{context.draftOrders.MedicationRequest.id}}&x={{context.patientId}}')).toEqual([
      'context.draftOrders.MedicationRequest.id',
    ]);
  });
});
