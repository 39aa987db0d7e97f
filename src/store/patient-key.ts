/**
 * Patients are identified in the store only by a keyed hash: HMAC-SHA256 over the FHIR server, the
 * patient id and the calling client (the verified issuer and tenant of its JWT), with a secret that is
 * not in the database. The same patient of the same client always gets the same key (snoozes and audit
 * rows can be matched); without the secret the key cannot be reversed or recomputed from a guessed id.
 *
 * The client is part of the key because the FHIR server and patient id come from the request body: two
 * EHRs each with a patient "12345" (or one EHR naming another's server) would otherwise share snoozes, and
 * one EHR's override would hide another's warnings.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { StoreLogger } from './sql.ts';
import { withoutTrailingSlashes } from '../shared/trailing-slashes.ts';

/** File name of the generated secret under the data directory. */
export const PATIENT_KEY_SECRET_FILE = 'patient-key.secret';
const MIN_SECRET_LENGTH = 32;

/** The calling client, from its verified JWT; absent only with CDS_AUTH=off (development). */
export interface KeyClient {
  readonly iss: string;
  readonly tenant?: string;
}

export type PatientKeyer = (fhirServer: string | undefined, patientId: string, client?: KeyClient) => string;

/** "https://ehr.example/fhir/" and "https://ehr.example/fhir" are the same server. */
function normaliseServer(fhirServer: string | undefined): string {
  return withoutTrailingSlashes((fhirServer ?? '').trim());
}

/**
 * @param secret - At least 32 characters (from config or {@link loadPatientKeySecret}).
 * @returns (fhirServer, patientId, client) => 64 hex characters.
 */
export function createPatientKeyer(secret: string): PatientKeyer {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`the patient key secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return (fhirServer, patientId, client) =>
    createHmac('sha256', secret)
      // JSON array: no separator ambiguity between the parts. Without a client (auth off) the key is what
      // it was before clients were part of it.
      .update(JSON.stringify(client ? [normaliseServer(fhirServer), patientId, client.iss, client.tenant ?? null] : [normaliseServer(fhirServer), patientId]))
      .digest('hex');
}

export interface PatientKeySecretOptions {
  /** The configured secret (e.g. AUDIT_KEY_SECRET); used as is when set. */
  readonly configured?: string;
  /** Where to keep a generated secret when none is configured. */
  readonly dataDir?: string;
  readonly logger?: StoreLogger;
}

export interface PatientKeySecret {
  readonly secret: string;
  /** config: configured; file: read from the data directory; created: generated now and saved; ephemeral: generated, not saved (no data directory). */
  readonly source: 'config' | 'file' | 'created' | 'ephemeral';
  /** The file it was read from or saved to. */
  readonly file?: string;
}

/**
 * The secret for {@link createPatientKeyer}: the configured one, else the one saved under the data
 * directory, else a new random one saved there with mode 0600. Without a data directory a random secret
 * is used for this process only (keys then change on restart: snoozes are no longer found). The secret
 * itself is never logged.
 *
 * Replicas sharing one PostgreSQL must share the secret: configure it (a file under each replica's own
 * data directory would differ).
 */
export async function loadPatientKeySecret(options: PatientKeySecretOptions): Promise<PatientKeySecret> {
  const configured = options.configured?.trim();
  if (configured !== undefined && configured !== '') {
    if (configured.length < MIN_SECRET_LENGTH) {
      throw new Error(`the configured patient key secret is too short (at least ${MIN_SECRET_LENGTH} characters)`);
    }
    return { secret: configured, source: 'config' };
  }
  if (options.dataDir === undefined) {
    options.logger?.warn({}, 'no patient key secret configured and no data directory: using a random secret for this process only (patient keys change on restart)');
    return { secret: randomBytes(32).toString('hex'), source: 'ephemeral' };
  }
  const dir = path.resolve(options.dataDir);
  const file = path.join(dir, PATIENT_KEY_SECRET_FILE);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const existing = await readSecret(file, options.logger);
  if (existing !== undefined) {
    return { secret: existing, source: 'file', file };
  }
  const secret = randomBytes(32).toString('hex');
  // Written whole to a temporary file, then linked into place: the link fails when another process got
  // there first, and nobody ever reads a half-written secret.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(tmp, `${secret}\n`, { flag: 'wx', mode: 0o600 });
    await fs.link(tmp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const theirs = await readSecret(file, options.logger);
      if (theirs !== undefined) {
        return { secret: theirs, source: 'file', file };
      }
    }
    throw error;
  } finally {
    await fs.rm(tmp, { force: true });
  }
  options.logger?.info({ file }, 'created a new patient key secret (keep it with the data; losing it unlinks existing snoozes and audit rows from patients)');
  return { secret, source: 'created', file };
}

async function readSecret(file: string, logger: StoreLogger | undefined): Promise<string | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  const secret = text.trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`${file} does not hold a usable patient key secret (at least ${MIN_SECRET_LENGTH} characters); fix or remove it`);
  }
  const stat = await fs.stat(file);
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    await fs.chmod(file, 0o600);
    logger?.warn({ file }, 'the patient key secret file was readable by others: permissions set to 0600');
  }
  return secret;
}
