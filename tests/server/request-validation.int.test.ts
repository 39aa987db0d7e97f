import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORDER_SIGN, createTestApp, expectConformant, fixture, fixtureNames, topics } from '../support/test-app.ts';
import type { TestApp } from '../support/test-app.ts';

function expectOutcome(res: request.Response, status: number): void {
  expect(res.status).toBe(status);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0].severity).toBe('error');
}

describe('request validation: bad input gets a 4xx OperationOutcome, never a 5xx', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ config: { maxBodyBytes: 64 * 1024 } });
  });

  for (const name of fixtureNames('invalid')) {
    it(`answers 400 for fixtures/invalid/${name}`, async () => {
      const body = fixture(`invalid/${name}`);
      const path = body.hook === 'order-select' ? '/cds-services/cns-depressant-order-select' : ORDER_SIGN;
      expectOutcome(await request(t.app).post(path).send(body), 400);
    });
  }

  it('answers 400 for malformed JSON', async () => {
    const res = await request(t.app).post(ORDER_SIGN).set('Content-Type', 'application/json').send('{"hook": "order-sign",');
    expectOutcome(res, 400);
  });

  it('does not echo the request into the error', async () => {
    const res = await request(t.app).post(ORDER_SIGN).send({ hook: 'order-sign', hookInstance: 'x', context: { patientId: '<script>alert(1)</script>' } });
    expectOutcome(res, 400);
    expect(JSON.stringify(res.body)).not.toContain('<script>');
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await request(t.app).post(ORDER_SIGN).set('Content-Type', 'text/plain').send('hello');
    expectOutcome(res, 415);
  });

  it('answers 413 for a body over the size limit', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    body.padding = 'x'.repeat(100 * 1024);
    expectOutcome(await request(t.app).post(ORDER_SIGN).send(body), 413);
  });

  it('answers 404 for an unknown service id', async () => {
    const res = await request(t.app).post('/cds-services/no-such-service').send(fixture('order-sign/opioid-draft-with-active-benzodiazepine.json'));
    expectOutcome(res, 404);
  });

  for (const [label, body] of [
    ['a JSON array', '[]'],
    ['a JSON string', '"order-sign"'],
    ['a JSON number', '42'],
    ['null', 'null'],
    ['an empty object', '{}'],
    ['an empty body', ''],
  ] as const) {
    it(`answers 400 for ${label}`, async () => {
      const res = await request(t.app).post(ORDER_SIGN).set('Content-Type', 'application/json').send(body);
      expectOutcome(res, 400);
    });
  }

  it('answers 400 (not 500) for wrongly typed nested fields', async () => {
    const base = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const variants = [
      { ...base, context: { ...base.context, draftOrders: { resourceType: 'Bundle', entry: 'nope' } } },
      { ...base, prefetch: [] },
      { ...base, prefetch: { medicationRequests: 'nope' } },
      { ...base, fhirServer: 'not a url' },
      { ...base, fhirAuthorization: { token_type: 'Bearer' } },
      { ...base, context: { ...base.context, patientId: 42 } },
    ];
    for (const body of variants) {
      const res = await request(t.app).post(ORDER_SIGN).send(body);
      expectOutcome(res, 400);
    }
  });

  it('answers 400 naming the field, without echoing it, for an access token that is not printable ASCII', async () => {
    // Such a token cannot go in an Authorization header: every FHIR call failed before it was sent, and each failure
    // counted against the FHIR server's circuit breaker, shared by every client of that server.
    const base = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    for (const token of ['abc\ndef', 'abc\r\nX-Injected: yes', 'abc\u20acdef', 'abc\u0000def']) {
      const res = await request(t.app).post(ORDER_SIGN).send({ ...base, fhirServer: 'http://127.0.0.1:9/fhir', fhirAuthorization: { access_token: token, token_type: 'Bearer' } });
      expectOutcome(res, 400);
      expect(res.body.issue[0].expression).toEqual(['fhirAuthorization.access_token']);
      expect(JSON.stringify(res.body)).not.toContain('abc');
    }
    // Printable ASCII, spaces included (RFC 6749 VSCHAR), is accepted.
    const ok = await request(t.app).post(ORDER_SIGN).send({ ...base, fhirServer: 'http://127.0.0.1:9/fhir', fhirAuthorization: { access_token: 'eyJ.a-b_c~d+e/f= x', token_type: 'Bearer' } });
    expect(ok.status).toBe(200);
  });

  it('survives junk inside FHIR resources without a 5xx', async () => {
    const base = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    const draft = base.context.draftOrders.entry.find((e: any) => e.resource.resourceType === 'MedicationRequest');
    const junk = [null, 42, 'x', [], { coding: 'x' }, { coding: [null, 1, { code: 5 }] }, { text: 7 }];
    for (const value of junk) {
      const body = structuredClone(base);
      const entry = body.context.draftOrders.entry.find((e: any) => e.resource?.id === draft.resource.id);
      entry.resource.medicationCodeableConcept = value;
      entry.resource.dosageInstruction = value;
      body.prefetch.medicationRequests.entry.push(null, { resource: null }, { resource: { resourceType: 'MedicationRequest', status: 'active', medicationCodeableConcept: value } });
      body.prefetch.patient = { resourceType: 'Patient', id: base.context.patientId, birthDate: value };
      const res = await request(t.app).post(ORDER_SIGN).send(body);
      expect(res.status).toBeLessThan(500);
      if (res.status === 200) {
        expectConformant(res.body);
      }
    }
  });

  /** The fixture with every MedicationRequest draft's subject set to `reference`. */
  function draftsFor(reference: string): Record<string, any> {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    for (const entry of body.context.draftOrders.entry) {
      if (entry.resource.resourceType === 'MedicationRequest') {
        entry.resource.subject = { reference: reference.replace('<id>', body.context.patientId) };
      }
    }
    return body;
  }

  it("checks a draft whose subject is a version-specific reference to the call's patient", async () => {
    const res = await request(t.app).post(ORDER_SIGN).send(draftsFor('Patient/<id>/_history/3'));
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
  });

  it('refuses a draft for another patient however its subject is written (absolute, versioned, relative), naming the field', async () => {
    for (const reference of ['https://ehr.example/fhir/Patient/someone-else', 'https://ehr.example/fhir/Patient/someone-else/_history/2', 'Patient/someone-else', 'Patient/some_one']) {
      const res = await request(t.app).post(ORDER_SIGN).send(draftsFor(reference));
      expectOutcome(res, 400);
      expect(res.body.issue[0].details.text).toContain('different patient');
      expect(res.body.issue[0].expression[0]).toMatch(/^context\.draftOrders\.entry\[\d+\]\.resource\.subject$/);
      expect(JSON.stringify(res.body)).not.toContain('someone-else');
    }
  });

  it('refuses a draft MedicationRequest whose id is not text, naming the field (a number or an object names no order)', async () => {
    for (const id of [42, { toString: 1 }, ['a'], true]) {
      const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
      body.context.draftOrders.entry[0].resource.id = id;
      const res = await request(t.app).post(ORDER_SIGN).send(body);
      expectOutcome(res, 400);
      expect(res.body.issue[0].expression).toEqual(['context.draftOrders.entry[0].resource.id']);
    }
    // Without an id (or null, read as none) the draft is still checked.
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    body.context.draftOrders.entry[0].resource.id = null;
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
  });

  it('ignores a prefetch key it never asked for whose value is not a FHIR resource (unknown fields are ignored)', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    body.prefetch['com.example.note'] = 'not a resource';
    body.prefetch.extraCount = 3;
    body.prefetch.extraList = [{ resourceType: 'Patient' }];
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
    // A key the service asked for stays strict.
    body.prefetch.medicationRequests = 'not a resource';
    expectOutcome(await request(t.app).post(ORDER_SIGN).send(body), 400);
  });

  it('reads a Medication sent in a prefetch Bundle under a key named "__proto__" like under any other key', async () => {
    const body = fixture('order-sign/opioid-draft-bundled-medication.json');
    const entries = body.context.draftOrders.entry;
    const medication = entries.find((e: any) => e.resource.resourceType === 'Medication').resource;
    body.context.draftOrders.entry = entries.filter((e: any) => e.resource.resourceType !== 'Medication');
    const fullUrl = 'https://ehr.example/fhir/Medication/oxy5';
    body.context.draftOrders.entry[0].resource.medicationReference = { reference: fullUrl };
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl, resource: medication }] };
    const { prefetch, ...rest } = body;
    const codes = async (key: string) => {
      // Sent as text: a "__proto__" key in an object literal would set the object's prototype, not send the key.
      const text = `{"prefetch":{${JSON.stringify(key)}:${JSON.stringify(bundle)},${JSON.stringify(prefetch).slice(1)},${JSON.stringify(rest).slice(1)}`;
      const res = await request(t.app).post(ORDER_SIGN).set('Content-Type', 'application/json').send(text);
      expect(res.status).toBe(200);
      return topics(expectConformant(res.body));
    };
    expect(await codes('com.example.medications')).toContain('opioid-benzodiazepine');
    expect(await codes('__proto__')).toContain('opioid-benzodiazepine');
  });

  it('ignores unknown fields and extensions', async () => {
    const res = await request(t.app).post(ORDER_SIGN).send(fixture('order-sign/unknown-fields-and-extensions.json'));
    expect(res.status).toBe(200);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
  });

  it('accepts a draftOrders Bundle without type and a draft whose status is not "draft"', async () => {
    const body = fixture('order-sign/opioid-draft-with-active-benzodiazepine.json');
    delete body.context.draftOrders.type;
    for (const entry of body.context.draftOrders.entry) {
      entry.resource.status = 'active';
    }
    const res = await request(t.app).post(ORDER_SIGN).send(body);
    expect(topics(expectConformant(res.body))).toContain('opioid-benzodiazepine');
  });
});
