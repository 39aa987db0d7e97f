/**
 * Fills CDS Hooks 2.0 prefetch templates. Only the 2.0 tokens are supported (CDS Hooks 2.0
 * "Prefetch tokens"): `{{context.<field>}}` for root-level primitive context fields, and the four
 * user tokens derived from `context.userId`.
 */

export const PREFETCH_TOKENS_2_0 = [
  'context.patientId',
  'context.encounterId',
  'context.userId',
  'userPractitionerId',
  'userPractitionerRoleId',
  'userPatientId',
  'userRelatedPersonId',
] as const;

export interface TemplateContext {
  readonly patientId: string;
  readonly userId?: string;
  readonly encounterId?: string;
}

/** A `{{token}}`, spaces around it allowed (trimmed where read); linear in the text, unlike `{{\s*([^}]+?)\s*}}`. */
const TOKEN = /\{\{([^}]+)\}\}/g;

/** Lists the tokens a template uses that CDS Hooks 2.0 does not define. */
export function unsupportedTokens(template: string): string[] {
  const bad: string[] = [];
  for (const match of template.matchAll(TOKEN)) {
    const token = (match[1] ?? '').trim();
    if (!(PREFETCH_TOKENS_2_0 as readonly string[]).includes(token)) {
      bad.push(token);
    }
  }
  return bad;
}

/**
 * Replaces tokens with URL-encoded values from the hook context.
 * @param template - e.g. "MedicationRequest?patient={{context.patientId}}&status=active,on-hold,unknown"
 * @param context - The hook context.
 * @returns The relative FHIR URL, or undefined when a token has no value (the key cannot be fetched).
 */
export function fillPrefetchTemplate(template: string, context: TemplateContext): string | undefined {
  let missing = false;
  const filled = template.replace(TOKEN, (_all, token: string) => {
    const value = tokenValue(token.trim(), context);
    if (value === undefined || value === '') {
      missing = true;
      return '';
    }
    // A FHIR reference (context.userId is "Practitioner/123") keeps its slash: encoded, the server would be
    // asked for "Practitioner%2F123". Anything else is encoded whole, so no value can add a path segment
    // (or a "..") to the URL.
    return FHIR_REFERENCE.test(value) ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value);
  });
  return missing ? undefined : filled;
}

/** ResourceType/id, with an id as FHIR defines it (letters, digits, "-" and "."), never "." or "..". */
const FHIR_REFERENCE = /^[A-Z][A-Za-z]{1,63}\/(?!\.{1,2}$)[A-Za-z0-9\-.]{1,64}$/;

function tokenValue(token: string, context: TemplateContext): string | undefined {
  switch (token) {
    case 'context.patientId':
      return context.patientId;
    case 'context.encounterId':
      return context.encounterId;
    case 'context.userId':
      return context.userId;
    case 'userPractitionerId':
      return userIdOfType(context.userId, 'Practitioner');
    case 'userPractitionerRoleId':
      return userIdOfType(context.userId, 'PractitionerRole');
    case 'userPatientId':
      return userIdOfType(context.userId, 'Patient');
    case 'userRelatedPersonId':
      return userIdOfType(context.userId, 'RelatedPerson');
    default:
      return undefined;
  }
}

function userIdOfType(userId: string | undefined, type: string): string | undefined {
  if (!userId) {
    return undefined;
  }
  const [userType, id] = userId.split('/');
  return userType === type && id ? id : undefined;
}
