import { describe, expect, it } from 'vitest';
import {
  isSingleSentence,
  validateCdsResponse,
  validateDiscoveryResponse,
} from '../../src/protocol/validate-response.ts';
import type { ValidationIssue } from '../../src/protocol/validate-response.ts';

type Json = Record<string, any>;

const CARD_UUID = '3b4e9f1c-6a2d-4c1e-9f7a-2d5b8c0e4a11';
const SUGGESTION_UUID_1 = '8f0c2a5e-1b3d-4e6f-a7b8-9c0d1e2f3a4b';
const SUGGESTION_UUID_2 = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f';

/** A response that uses every card feature we might emit; each test breaks exactly one rule in a fresh copy. */
function validResponse(): Json {
  return {
    cards: [
      {
        uuid: CARD_UUID,
        summary: 'Opioid ordered with an active benzodiazepine (e.g. alprazolam 0.5 mg): review overdose risk.',
        detail: 'Concurrent use **increases** the risk of respiratory depression.\n\nConsider tapering one agent.',
        indicator: 'warning',
        source: {
          label: 'CNS depressant co-prescribing check',
          url: 'https://cds.example.org/about',
          icon: 'https://cds.example.org/icon-100px.png',
          topic: { system: 'https://cds.example.org/topics', code: 'opioid-benzodiazepine', display: 'Opioid + benzo' },
        },
        selectionBehavior: 'at-most-one',
        suggestions: [
          {
            label: 'Reduce the oxycodone quantity',
            uuid: SUGGESTION_UUID_1,
            isRecommended: true,
            actions: [
              {
                type: 'update',
                description: 'Update the draft order to 10 tablets',
                resource: {
                  resourceType: 'MedicationRequest',
                  id: 'draft-oxycodone',
                  status: 'draft',
                  intent: 'order',
                  subject: { reference: 'Patient/test-patient-alpha' },
                  medicationCodeableConcept: { text: 'Oxycodone Hydrochloride 5 MG Oral Tablet' },
                },
              },
            ],
          },
          {
            label: 'Cancel the oxycodone order',
            uuid: SUGGESTION_UUID_2,
            actions: [
              {
                type: 'delete',
                description: 'Remove the draft oxycodone order',
                resourceId: 'MedicationRequest/draft-oxycodone',
              },
              {
                type: 'create',
                description: 'Order naloxone nasal spray',
                resource: {
                  resourceType: 'MedicationRequest',
                  status: 'draft',
                  intent: 'order',
                  subject: { reference: 'Patient/test-patient-alpha' },
                  medicationCodeableConcept: { text: 'Naloxone nasal spray' },
                },
              },
            ],
          },
        ],
        overrideReasons: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes',
            code: 'patient-contraindication',
            display: 'Patient-specific contraindication',
          },
        ],
        links: [
          {
            label: 'CDC opioid guideline',
            url: 'https://www.cdc.gov/mmwr/volumes/71/rr/rr7103a1.htm',
            type: 'absolute',
          },
          {
            label: 'Taper planner',
            url: 'https://apps.example.org/launch',
            type: 'smart',
            appContext: '{"order":"x"}',
          },
        ],
        extension: { 'org.example.cds.rule': 'opioid-benzodiazepine' },
      },
      {
        summary: 'Second card with only the required fields',
        indicator: 'info',
        source: { label: 'CNS depressant co-prescribing check' },
      },
    ],
  };
}

function validDiscovery(): Json {
  return {
    services: [
      {
        hook: 'order-sign',
        id: 'cns-depressant-order-sign',
        title: 'CNS depressant co-prescribing (order-sign)',
        description: 'Warns when an opioid and a benzodiazepine or other CNS depressant are co-prescribed.',
        prefetch: {
          patient: 'Patient/{{context.patientId}}',
          medicationRequests: 'MedicationRequest?patient={{context.patientId}}&status=active',
          medicationStatements: 'MedicationStatement?patient={{context.patientId}}&status=active',
          medicationAdministrations:
            'MedicationAdministration?patient={{context.patientId}}&_sort=-effective-time&_count=50',
          conditions: 'Condition?patient={{context.patientId}}',
        },
      },
      {
        hook: 'order-select',
        id: 'cns-depressant-order-select',
        title: 'CNS depressant co-prescribing (order-select)',
        description: 'Same check for the selected orders.',
        usageRequirements: 'Send MedicationRequest drafts in draftOrders.',
        prefetch: { user: 'PractitionerRole?_id={{userPractitionerRoleId}}&_include=PractitionerRole:practitioner' },
      },
    ],
  };
}

/** Applies one change to a fresh valid response and returns the issues. */
function responseIssues(change: (body: Json) => void): ValidationIssue[] {
  const body = validResponse();
  change(body);
  return validateCdsResponse(body);
}

function discoveryIssues(change: (body: Json) => void): ValidationIssue[] {
  const body = validDiscovery();
  change(body);
  return validateDiscoveryResponse(body);
}

/** Asserts exactly one issue, at `path`, whose message contains `text`. */
function expectSingleIssue(issues: ValidationIssue[], path: string, text: string): void {
  expect(issues).toHaveLength(1);
  expect(issues[0]?.path).toBe(path);
  expect(issues[0]?.message).toContain(text);
}

describe('validateCdsResponse', () => {
  describe('valid responses', () => {
    it('accepts a response using every card feature', () => {
      expect(validateCdsResponse(validResponse())).toEqual([]);
    });

    it('accepts an empty cards array', () => {
      expect(validateCdsResponse({ cards: [] })).toEqual([]);
    });

    it('accepts a non-empty systemActions array', () => {
      const issues = responseIssues((b) => {
        b.systemActions = [
          {
            type: 'update',
            description: 'Record the check',
            resource: { resourceType: 'Task', id: 't1', status: 'completed', intent: 'order' },
          },
        ];
      });
      expect(issues).toEqual([]);
    });

    it('accepts several recommended suggestions when selectionBehavior is any', () => {
      const issues = responseIssues((b) => {
        b.cards[0].selectionBehavior = 'any';
        b.cards[0].suggestions[1].isRecommended = true;
      });
      expect(issues).toEqual([]);
    });

    it('treats undefined properties as absent (JSON.stringify drops them)', () => {
      const issues = responseIssues((b) => {
        b.cards[0].detail = undefined;
      });
      expect(issues).toEqual([]);
    });
  });

  describe('top level', () => {
    it.each([[null], [[]], ['cards'], [42]])('rejects a body that is not an object: %j', (body) => {
      expectSingleIssue(validateCdsResponse(body), '', 'must be a JSON object');
    });

    it('requires cards', () => {
      expectSingleIssue(validateCdsResponse({}), '/cards', 'cards is required');
    });

    it('requires cards to be an array', () => {
      expectSingleIssue(validateCdsResponse({ cards: { summary: 'x' } }), '/cards', 'must be an array');
    });

    it('rejects an empty systemActions array', () => {
      expectSingleIssue(validateCdsResponse({ cards: [], systemActions: [] }), '/systemActions', 'empty array');
    });

    it('rejects systemActions that is not an array', () => {
      const issues = validateCdsResponse({ cards: [], systemActions: { type: 'create' } });
      expectSingleIssue(issues, '/systemActions', 'must be an array');
    });

    it('rejects an unknown top-level field', () => {
      expectSingleIssue(validateCdsResponse({ cards: [], debug: true }), '/debug', 'unknown response field');
    });
  });

  describe('no null or empty values', () => {
    it('rejects null', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].detail = null;
        }),
        '/cards/0/detail',
        'null is not allowed',
      );
    });

    it('rejects an empty string', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].detail = '';
        }),
        '/cards/0/detail',
        'an empty string is not allowed',
      );
    });

    it('rejects an empty array below the top level', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].links = [];
        }),
        '/cards/0/links',
        'an empty array is not allowed',
      );
    });

    it('rejects an empty object', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].source.topic = {};
        }),
        '/cards/0/source/topic',
        'an empty object is not allowed',
      );
    });

    it('rejects empty values inside FHIR resources carried by actions', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].suggestions[0].actions[0].resource.note = [];
        }),
        '/cards/0/suggestions/0/actions/0/resource/note',
        'an empty array is not allowed',
      );
    });

    it('rejects a null required field once, as null', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].summary = null;
        }),
        '/cards/0/summary',
        'null is not allowed',
      );
    });
  });

  describe('card.summary', () => {
    it('is required', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[1].summary;
        }),
        '/cards/1/summary',
        'summary is required',
      );
    });

    it('must be a string', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[1].summary = 42;
        }),
        '/cards/1/summary',
        'must be a string',
      );
    });

    it('must not be blank', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[1].summary = '   ';
        }),
        '/cards/1/summary',
        'must not be blank',
      );
    });

    it('accepts 139 characters and rejects 140', () => {
      const ok = responseIssues((b) => {
        b.cards[1].summary = 'a'.repeat(139);
      });
      expect(ok).toEqual([]);
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[1].summary = 'a'.repeat(140);
        }),
        '/cards/1/summary',
        'shorter than 140 characters',
      );
    });

    it('counts characters, not UTF-16 code units', () => {
      const issues = responseIssues((b) => {
        b.cards[1].summary = '\u{1F48A}'.repeat(139);
      });
      expect(issues).toEqual([]);
    });

    it('rejects a line break', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[1].summary = 'Opioid and benzodiazepine\nordered together';
        }),
        '/cards/1/summary',
        'single sentence',
      );
    });

    it('rejects two sentences', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[1].summary = 'Opioid ordered with a benzodiazepine. Consider naloxone.';
        }),
        '/cards/1/summary',
        'single sentence',
      );
    });
  });

  describe('isSingleSentence heuristic', () => {
    it.each([
      'Opioid ordered with an active benzodiazepine',
      'Opioid ordered with an active benzodiazepine.',
      'Avoid combining opioids with benzodiazepines (e.g. alprazolam) when possible.',
      'Concurrent use, i.e. overlapping supply, raises overdose risk.',
      'Oxycodone 2.5 mg with lorazepam 0.5 mg raises overdose risk.',
      'Total approx. 45 MME/day with a benzodiazepine.',
      'Benzodiazepine vs. opioid taper: discuss with Dr. Example first.',
      'See CDC 2022 Rec. 11 before co-prescribing.',
      'Opioid + benzodiazepine: overdose risk; consider naloxone.',
      'Take 1 tab. twice daily is already ordered for alprazolam.',
      'Prescribed by J. Example with an active opioid order.',
    ])('accepts %j', (text) => {
      expect(isSingleSentence(text)).toBe(true);
    });

    it.each([
      'Opioid ordered. Benzodiazepine active.',
      'Opioid ordered with a benzodiazepine! Review now.',
      'Is this intended? Opioid plus benzodiazepine.',
      'Overdose risk is high. 2 CNS depressants are active.',
      'Overdose risk (opioid + benzodiazepine). "Review" the orders.',
      'Line one\nline two',
      'Line one\r\nline two',
    ])('rejects %j', (text) => {
      expect(isSingleSentence(text)).toBe(false);
    });
  });

  describe('card.indicator', () => {
    it('is required', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[1].indicator;
        }),
        '/cards/1/indicator',
        'indicator is required',
      );
    });

    it('must be info, warning or critical', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[1].indicator = 'hard-stop';
        }),
        '/cards/1/indicator',
        'info | warning | critical',
      );
    });
  });

  describe('card.source', () => {
    it('is required', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[1].source;
        }),
        '/cards/1/source',
        'source is required',
      );
    });

    it('needs a label', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].source.label;
        }),
        '/cards/0/source/label',
        'label is required',
      );
    });

    it('must not be an empty object', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[1].source = {};
        }),
        '/cards/1/source',
        'an empty object is not allowed',
      );
    });

    it('needs a non-blank label', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[1].source.label = ' ';
        }),
        '/cards/1/source/label',
        'must not be blank',
      );
    });

    it('needs an absolute url', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].source.url = '/about';
        }),
        '/cards/0/source/url',
        'absolute http(s) URL',
      );
    });

    it('needs an http(s) icon', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].source.icon = 'ftp://cds.example.org/icon.png';
        }),
        '/cards/0/source/icon',
        'absolute http(s) URL',
      );
    });

    it('needs a topic code', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].source.topic.code;
        }),
        '/cards/0/source/topic/code',
        'code is required',
      );
    });

    it('needs a topic system', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].source.topic.system;
        }),
        '/cards/0/source/topic/system',
        'system is required',
      );
    });

    it('rejects an unknown source field', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].source.version = '1.0';
        }),
        '/cards/0/source/version',
        'unknown source field',
      );
    });
  });

  describe('card.detail', () => {
    it('must be a string', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].detail = { markdown: 'x' };
        }),
        '/cards/0/detail',
        'detail must be a string',
      );
    });
  });

  describe('uuid', () => {
    it('must be an RFC 4122 UUID on cards', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].uuid = 'card-1';
        }),
        '/cards/0/uuid',
        'RFC 4122',
      );
    });

    it('must not carry a urn:uuid: prefix', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].uuid = `urn:uuid:${CARD_UUID}`;
        }),
        '/cards/0/uuid',
        'RFC 4122',
      );
    });

    it('must be an RFC 4122 UUID on suggestions', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].suggestions[1].uuid = '00000000-0000-0000-0000-000000000000';
        }),
        '/cards/0/suggestions/1/uuid',
        'RFC 4122',
      );
    });

    it('must be unique across cards', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[1].uuid = CARD_UUID;
        }),
        '/cards/1/uuid',
        'also used at /cards/0/uuid',
      );
    });

    it('must be unique across cards and suggestions, ignoring case', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[1].uuid = SUGGESTION_UUID_2.toUpperCase();
        }),
        '/cards/1/uuid',
        'also used at /cards/0/suggestions/1/uuid',
      );
    });
  });

  describe('suggestions', () => {
    it('require selectionBehavior', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].selectionBehavior;
        }),
        '/cards/0/selectionBehavior',
        'required when suggestions are present',
      );
    });

    it('require a known selectionBehavior', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].selectionBehavior = 'all';
        }),
        '/cards/0/selectionBehavior',
        'at-most-one | any',
      );
    });

    it('allow at most one isRecommended with at-most-one', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].suggestions[1].isRecommended = true;
        }),
        '/cards/0/suggestions',
        'at most one isRecommended',
      );
    });

    it('need a label', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].suggestions[1].label;
        }),
        '/cards/0/suggestions/1/label',
        'label is required',
      );
    });

    it('need a boolean isRecommended', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].suggestions[0].isRecommended = 'yes';
        }),
        '/cards/0/suggestions/0/isRecommended',
        'must be a boolean',
      );
    });

    it('reject the 3.0-only actionSelectionBehavior', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].suggestions[0].actionSelectionBehavior = 'any';
        }),
        '/cards/0/suggestions/0/actionSelectionBehavior',
        'unknown suggestion field',
      );
    });
  });

  describe('actions', () => {
    const action = '/cards/0/suggestions/1/actions/0';

    it('need a known type', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].suggestions[1].actions[0].type = 'remove';
        }),
        `${action}/type`,
        'create | update | delete',
      );
    });

    it('need a type', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].suggestions[1].actions[0].type;
        }),
        `${action}/type`,
        'type is required',
      );
    });

    it('need a description', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].suggestions[1].actions[0].description;
        }),
        `${action}/description`,
        'description is required',
      );
    });

    it('need a non-empty description', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].suggestions[1].actions[0].description = '';
        }),
        `${action}/description`,
        'empty string',
      );
    });

    it('need a resource for create', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].suggestions[1].actions[1].resource;
        }),
        '/cards/0/suggestions/1/actions/1/resource',
        'create action must carry a resource',
      );
    });

    it('need a resource with a resourceType for update', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].suggestions[0].actions[0].resource.resourceType;
        }),
        '/cards/0/suggestions/0/actions/0/resource/resourceType',
        'must have a resourceType',
      );
    });

    it('need a resource object, not a string', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].suggestions[0].actions[0].resource = 'MedicationRequest/draft-oxycodone';
        }),
        '/cards/0/suggestions/0/actions/0/resource',
        'must be a FHIR resource object',
      );
    });

    it('need the resource id for update', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].suggestions[0].actions[0].resource.id;
        }),
        '/cards/0/suggestions/0/actions/0/resource/id',
        'including its id',
      );
    });

    it('must not carry a resource for delete', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].suggestions[1].actions[0].resource = { resourceType: 'MedicationRequest', id: 'x' };
        }),
        `${action}/resource`,
        'must not carry a resource',
      );
    });

    it('need resourceId for delete', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].suggestions[1].actions[0].resourceId;
        }),
        `${action}/resourceId`,
        'must carry resourceId',
      );
    });

    it.each(['draft-oxycodone', 'urn:uuid:8f0c2a5e-1b3d-4e6f-a7b8-9c0d1e2f3a4b', 'http://x.org/fhir/Task/1'])(
      'need resourceId of the form Type/id, not %j',
      (resourceId) => {
        expectSingleIssue(
          responseIssues((b) => {
            b.cards[0].suggestions[1].actions[0].resourceId = resourceId;
          }),
          `${action}/resourceId`,
          'Type/id',
        );
      },
    );

    it('apply to systemActions too', () => {
      const issues = validateCdsResponse({
        cards: [],
        systemActions: [{ type: 'delete', resourceId: 'MedicationRequest/x' }],
      });
      expectSingleIssue(issues, '/systemActions/0/description', 'description is required');
    });
  });

  describe('overrideReasons', () => {
    const reason = '/cards/0/overrideReasons/0';

    it.each(['code', 'system', 'display'])('need %s', (field) => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].overrideReasons[0][field];
        }),
        `${reason}/${field}`,
        `${field} is required`,
      );
    });

    it('need a non-empty code', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].overrideReasons[0].code = '';
        }),
        `${reason}/code`,
        'empty string',
      );
    });

    it('need an absolute system URI', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].overrideReasons[0].system = 'non-adherence-reason-codes';
        }),
        `${reason}/system`,
        'absolute URI',
      );
    });

    it('must be an array', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].overrideReasons = b.cards[0].overrideReasons[0];
        }),
        '/cards/0/overrideReasons',
        'must be an array',
      );
    });
  });

  describe('links', () => {
    it('need a label', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].links[0].label;
        }),
        '/cards/0/links/0/label',
        'label is required',
      );
    });

    it('need a url', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].links[0].url;
        }),
        '/cards/0/links/0/url',
        'url is required',
      );
    });

    it('need an absolute url', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].links[0].url = 'guideline.html';
        }),
        '/cards/0/links/0/url',
        'absolute http(s) URL',
      );
    });

    it('need type absolute or smart', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].links[0].type = 'relative';
        }),
        '/cards/0/links/0/type',
        'absolute | smart',
      );
    });

    it('need a type', () => {
      expectSingleIssue(
        responseIssues((b) => {
          delete b.cards[0].links[1].type;
        }),
        '/cards/0/links/1/type',
        'type is required',
      );
    });

    it('allow appContext only on smart links', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].links[0].appContext = 'x';
        }),
        '/cards/0/links/0/appContext',
        'only allowed on links of type smart',
      );
    });

    it('accept a boolean autolaunchable and reject other values', () => {
      expect(
        responseIssues((b) => {
          b.cards[0].links[1].autolaunchable = false;
        }),
      ).toEqual([]);
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].links[1].autolaunchable = 'true';
        }),
        '/cards/0/links/1/autolaunchable',
        'must be a boolean',
      );
    });
  });

  describe('unknown fields', () => {
    it('rejects an unknown card field', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[1].ruleId = 'opioid-benzodiazepine';
        }),
        '/cards/1/ruleId',
        'unknown card field "ruleId"',
      );
    });

    it('escapes / and ~ in JSON pointers', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[1]['a/b~c'] = 1;
        }),
        '/cards/1/a~1b~0c',
        'unknown card field',
      );
    });

    it('rejects an extension that is not an object', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[0].extension = 'opioid-benzodiazepine';
        }),
        '/cards/0/extension',
        'extension must be a JSON object',
      );
    });

    it('rejects a card that is not an object', () => {
      expectSingleIssue(
        responseIssues((b) => {
          b.cards[1] = 'warning';
        }),
        '/cards/1',
        'card must be an object',
      );
    });
  });
});

describe('validateDiscoveryResponse', () => {
  it('accepts two valid services', () => {
    expect(validateDiscoveryResponse(validDiscovery())).toEqual([]);
  });

  it('accepts an empty services array', () => {
    expect(validateDiscoveryResponse({ services: [] })).toEqual([]);
  });

  it('accepts the same id for different hooks', () => {
    expect(
      discoveryIssues((b) => {
        b.services[1].id = b.services[0].id;
      }),
    ).toEqual([]);
  });

  it('rejects a body that is not an object', () => {
    expectSingleIssue(validateDiscoveryResponse([]), '', 'must be a JSON object');
  });

  it('requires services', () => {
    expectSingleIssue(validateDiscoveryResponse({}), '/services', 'services is required');
  });

  it('requires services to be an array', () => {
    expectSingleIssue(validateDiscoveryResponse({ services: 'none' }), '/services', 'must be an array');
  });

  it.each(['hook', 'id', 'description', 'title'])('requires %s on each service', (field) => {
    expectSingleIssue(
      discoveryIssues((b) => {
        delete b.services[1][field];
      }),
      `/services/1/${field}`,
      `${field} is required`,
    );
  });

  it('rejects an empty description', () => {
    expectSingleIssue(
      discoveryIssues((b) => {
        b.services[0].description = '';
      }),
      '/services/0/description',
      'empty string',
    );
  });

  it('rejects a non-string hook', () => {
    expectSingleIssue(
      discoveryIssues((b) => {
        b.services[0].hook = ['order-sign'];
      }),
      '/services/0/hook',
      'must be a string',
    );
  });

  it('rejects an id that is not a URL path segment', () => {
    expectSingleIssue(
      discoveryIssues((b) => {
        b.services[0].id = 'cns/order sign';
      }),
      '/services/0/id',
      'URL path segment',
    );
  });

  it('rejects a duplicate (id, hook) pair', () => {
    expectSingleIssue(
      discoveryIssues((b) => {
        b.services.push({ ...b.services[0], title: 'Copy' });
      }),
      '/services/2/id',
      'duplicate service id',
    );
  });

  it('rejects a null prefetch template', () => {
    expectSingleIssue(
      discoveryIssues((b) => {
        b.services[0].prefetch.patient = null;
      }),
      '/services/0/prefetch/patient',
      'null is not allowed',
    );
  });

  it('rejects an empty prefetch object', () => {
    expectSingleIssue(
      discoveryIssues((b) => {
        b.services[1].prefetch = {};
      }),
      '/services/1/prefetch',
      'empty object',
    );
  });

  it('rejects a prefetch template that is not a string', () => {
    expectSingleIssue(
      discoveryIssues((b) => {
        b.services[0].prefetch.patient = { read: 'Patient' };
      }),
      '/services/0/prefetch/patient',
      'must be a string',
    );
  });

  it('rejects a prefetch that is not an object', () => {
    expectSingleIssue(
      discoveryIssues((b) => {
        b.services[0].prefetch = ['Patient/{{context.patientId}}'];
      }),
      '/services/0/prefetch',
      'must be an object',
    );
  });

  it.each([
    '{{context.draftOrders.MedicationRequest.id}}',
    '{{context.patientId.id}}',
    '{{today()}}',
    '{{ context.patientId }}',
    '{{context.selections}}',
  ])('rejects the token %s', (token) => {
    expectSingleIssue(
      discoveryIssues((b) => {
        b.services[0].prefetch.conditions = `Condition?patient=${token}`;
      }),
      '/services/0/prefetch/conditions',
      `${token} is not a CDS Hooks 2.0 token`,
    );
  });

  it('accepts every CDS Hooks 2.0 token', () => {
    const issues = discoveryIssues((b) => {
      b.services[0].prefetch = {
        a: 'Encounter/{{context.encounterId}}',
        b: '{{context.userId}}',
        c: 'Practitioner/{{userPractitionerId}}',
        d: 'PractitionerRole/{{userPractitionerRoleId}}',
        e: 'Patient/{{userPatientId}}',
        f: 'RelatedPerson/{{userRelatedPersonId}}',
      };
    });
    expect(issues).toEqual([]);
  });

  it('rejects unbalanced token delimiters', () => {
    expectSingleIssue(
      discoveryIssues((b) => {
        b.services[0].prefetch.patient = 'Patient/{{context.patientId}';
      }),
      '/services/0/prefetch/patient',
      'unbalanced',
    );
  });

  it('rejects an absolute prefetch URL', () => {
    expectSingleIssue(
      discoveryIssues((b) => {
        b.services[0].prefetch.patient = 'https://fhir.example.org/Patient/{{context.patientId}}';
      }),
      '/services/0/prefetch/patient',
      'relative to fhirServer',
    );
  });

  it('rejects an unknown service field', () => {
    expectSingleIssue(
      discoveryIssues((b) => {
        b.services[0].hookVersion = '1.0';
      }),
      '/services/0/hookVersion',
      'unknown service field',
    );
  });
});
