// Real PostgreSQL for tests, in a throw-away container started through testcontainers.
//
// Engine: whatever testcontainers finds (DOCKER_HOST, else /var/run/docker.sock, ...). On the CI machines
// there is no Docker: `scripts/containers/setup.sh` starts podman's Docker-compatible API service and builds
// a PostgreSQL 15 image from Debian packages, and prints the environment to use:
//   container_env=$(bash scripts/containers/setup.sh) && eval "$container_env"
// which sets DOCKER_HOST, TESTCONTAINERS_RYUK_DISABLED, TESTCONTAINERS_HOST_OVERRIDE and
// CNS_CDS_POSTGRES_IMAGE (the local image). Without CNS_CDS_POSTGRES_IMAGE the official `postgres:15` image
// is used (pulled by Docker on a developer's machine).
//
// Readiness: the log line "database system is ready to accept connections" printed for the second time.
// Both the official image and the local one (scripts/containers/postgres/docker-entrypoint.sh) start a
// temporary server on the Unix socket to create the user and database, then the real server, so a fresh
// container prints the line twice; the first one comes before the server listens on TCP. No health check is
// used (podman without systemd does not run them).
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { getContainerRuntimeClient, Wait } from 'testcontainers';

export const DEFAULT_POSTGRES_IMAGE = 'postgres:15';
export const POSTGRES_READY_LOG = /database system is ready to accept connections/;

type HealthCheck = Parameters<PostgreSqlContainer['withHealthCheck']>[0];
// Docker's value for "no health check" (testcontainers' type only names CMD and CMD-SHELL). Without it the
// module adds a pg_isready check every 250 ms; the log line tells when the server is ready. (podman 4.3 keeps
// the NONE check and logs that it cannot schedule it without systemd: harmless noise in its service log.)
const NO_HEALTH_CHECK = { test: ['NONE'] } as unknown as HealthCheck;

export interface StartedPostgres {
  /** postgres://user:password@host:port/database */
  connectionString: string;
  /** Stops and removes the container. */
  stop(): Promise<void>;
}

/** The image the tests use: CNS_CDS_POSTGRES_IMAGE when set, else the official postgres:15. */
export function postgresImage(): string {
  return process.env.CNS_CDS_POSTGRES_IMAGE?.trim() || DEFAULT_POSTGRES_IMAGE;
}

/** True when the tests run in CI, where a missing container engine is a failure and not a reason to skip. */
export function isCI(): boolean {
  const ci = process.env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

const SETUP_COMMAND = 'container_env=$(bash scripts/containers/setup.sh) && eval "$container_env"';
const SETUP_HINT =
  `On a machine without Docker (as root, e.g. CI) run ${SETUP_COMMAND} and run the tests in that shell; ` +
  'on a machine with Docker, start the Docker engine.';

let engineProbe: Promise<string | undefined> | undefined;

/**
 * Why no container engine can be used, or undefined when testcontainers reaches one. Asked once per
 * test worker.
 */
export function containerEngineUnavailableReason(): Promise<string | undefined> {
  engineProbe ??= getContainerRuntimeClient().then(
    () => undefined,
    (error: unknown) => {
      const where = process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : 'no DOCKER_HOST set';
      const detail = error instanceof Error ? error.message : String(error);
      return `no container engine reachable for testcontainers (${where}: ${detail}). ${SETUP_HINT}`;
    },
  );
  return engineProbe;
}

/** Starts a fresh PostgreSQL container; the caller stops it (afterAll). */
export async function startPostgres(): Promise<StartedPostgres> {
  const unavailable = await containerEngineUnavailableReason();
  if (unavailable !== undefined) throw new Error(`Cannot start PostgreSQL: ${unavailable}`);

  const image = postgresImage();
  let container;
  try {
    container = await new PostgreSqlContainer(image)
      .withDatabase('cds_test')
      .withUsername('cds')
      .withPassword('cds-test-password')
      .withHealthCheck(NO_HEALTH_CHECK)
      .withWaitStrategy(Wait.forLogMessage(POSTGRES_READY_LOG, 2))
      .withStartupTimeout(120_000)
      .start();
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).trim();
    const hint =
      image === DEFAULT_POSTGRES_IMAGE
        ? ` The image ${image} comes from a registry; where none is reachable, ${SETUP_COMMAND} builds a local ` +
          'image and sets CNS_CDS_POSTGRES_IMAGE to it.'
        : ` Is the image built? (${SETUP_COMMAND} builds localhost/cns-cds-postgres:15.)`;
    throw new Error(`Cannot start PostgreSQL from image ${image}: ${detail}.${hint}`, { cause: error });
  }
  const started = container;
  return {
    connectionString: started.getConnectionUri(),
    async stop() {
      await started.stop();
    },
  };
}
