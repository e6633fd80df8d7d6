import { AjvCompiler } from "@fastify/ajv-compiler";
import type { FastifyServerOptions } from "fastify";

/**
 * The validators of route schemas: Fastify's own (Ajv through `@fastify/ajv-compiler`, its
 * defaults: `removeAdditional`, `useDefaults`, one error at a time), with one change. Path
 * parameters, the query and headers arrive as text, so there a number or a boolean is
 * read from it (`?limit=20` → 20: Fastify's `coerceTypes: "array"`); a JSON body already
 * has its types, so there nothing is coerced: `{"message": 5}` is refused, not stored as
 * `"5"`, and `{"grant": "false"}` is not a boolean.
 *
 * @example
 * Fastify({ schemaController: schemaValidators });
 */
export const schemaValidators: NonNullable<FastifyServerOptions["schemaController"]> = {
  compilersFactory: {
    buildValidator(externalSchemas, options = {}) {
      if (options.mode === "JTD") throw new TypeError("schemaValidators: JSON Type Definition schemas are not used here");
      // `type: ["integer", "string"]` (an id or a name) is meant: Ajv's strict mode would warn.
      const custom = { ...options.customOptions, allowUnionTypes: true };
      const coercing = pool(externalSchemas, { ...options, customOptions: custom });
      const typed = pool(externalSchemas, { ...options, customOptions: { ...custom, coerceTypes: false } });
      return (route) => (route.httpPart === "body" ? typed : coercing)(route);
    },
  },
};

/** One shared pool: Ajv instances are cached per set of options, across contexts. */
const pool = AjvCompiler();
