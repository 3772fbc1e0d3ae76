// Name patterns shared by the config schemas (kept apart from schema.ts so the alerting schemas can use
// them without an import cycle).

/** Names of services and checks: `api`, `pg-primary`, `queue_depth`. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
/** Names of environments: `dev`, `prod-eu`. */
export const ENV_PATTERN = /^[a-z0-9-]+$/;
