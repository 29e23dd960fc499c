import { VERSION } from "../version.js";

const error = { $ref: "#/components/schemas/Error" };
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((s) => [
      String(s),
      { description: "typed error", content: { "application/json": { schema: error } } },
    ]),
  );
const queryFields = {
  k: { type: "integer", minimum: 1, maximum: 1000, default: 10 },
  filter: {
    type: "object",
    description: "equality on top-level metadata keys (all must match)",
    additionalProperties: { type: ["string", "number", "boolean", "null"] },
  },
};
const imageBody = {
  "multipart/form-data": {
    schema: {
      type: "object",
      properties: {
        image: { type: "string", format: "binary" },
        k: { type: "integer" },
        filter: { type: "string", description: "JSON object" },
        labels: { type: "string", description: "comma-separated" },
        templates: { type: "string" },
        topK: { type: "integer" },
      },
    },
  },
  "image/*": { schema: { type: "string", format: "binary" } },
  "application/octet-stream": { schema: { type: "string", format: "binary" } },
};

/** The OpenAPI 3.1 description served at `/openapi.json`. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "clipkit serve",
      version: VERSION,
      description: "Search and zero-shot classification over a clipkit index",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: { code: { type: "string" }, message: { type: "string" } },
            },
          },
        },
        Hit: {
          type: "object",
          properties: {
            id: { type: "string" },
            score: { type: "number", description: "cosine similarity" },
            metadata: { type: "object" },
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      "/search": {
        post: {
          summary: "Search the index by text, image bytes or an embedding",
          requestBody: {
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  properties: {
                    text: { type: "string" },
                    embedding: { type: "array", items: { type: "number" } },
                    ...queryFields,
                  },
                },
              },
              ...imageBody,
            },
          },
          parameters: [
            { name: "k", in: "query", schema: { type: "integer" }, description: "with a raw image body" },
            {
              name: "filter",
              in: "query",
              schema: { type: "string" },
              description: "JSON, with a raw image body",
            },
          ],
          responses: {
            "200": {
              description: "hits, best first",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: { results: { type: "array", items: { $ref: "#/components/schemas/Hit" } } },
                  },
                },
              },
            },
            ...errors(400, 401, 413, 415, 422, 503, 504),
          },
        },
      },
      "/classify": {
        post: {
          summary: "Zero-shot classification of one image against labels or the start-up head",
          requestBody: { content: imageBody },
          parameters: [
            { name: "labels", in: "query", schema: { type: "string" } },
            { name: "templates", in: "query", schema: { type: "string" } },
            { name: "topK", in: "query", schema: { type: "integer" } },
          ],
          responses: {
            "200": { description: "top labels and out-of-domain signal" },
            ...errors(400, 401, 413, 422, 503, 504),
          },
        },
      },
      "/caption": {
        post: {
          summary: "Caption one image (only with a VLM loaded: --vlm DIR; else 404 VLM_NOT_LOADED)",
          requestBody: { content: imageBody },
          parameters: [
            { name: "maxNewTokens", in: "query", schema: { type: "integer", minimum: 1, maximum: 256 } },
            { name: "numBeams", in: "query", schema: { type: "integer", minimum: 1, maximum: 8 } },
          ],
          responses: {
            "200": { description: "{text, tokens, score}" },
            ...errors(400, 401, 404, 413, 422, 503, 504),
          },
        },
      },
      "/ask": {
        post: {
          summary: "Answer a question about one image (only with a VLM loaded: --vlm DIR)",
          requestBody: { content: imageBody },
          parameters: [
            { name: "question", in: "query", required: true, schema: { type: "string" } },
            { name: "maxNewTokens", in: "query", schema: { type: "integer", minimum: 1, maximum: 256 } },
            { name: "numBeams", in: "query", schema: { type: "integer", minimum: 1, maximum: 8 } },
          ],
          responses: {
            "200": { description: "{question, text, tokens, score}" },
            ...errors(400, 401, 404, 413, 422, 503, 504),
          },
        },
      },
      "/file/{id}": {
        get: {
          summary: "The bytes of an indexed file (only paths the index records)",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "file bytes" }, ...errors(401, 404) },
        },
      },
      "/healthz": {
        get: {
          summary: "Liveness, model and index state",
          security: [],
          responses: { "200": { description: "ok" } },
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics (text exposition format)",
          responses: { "200": { description: "metrics" } },
        },
      },
      "/openapi.json": {
        get: { summary: "This document", responses: { "200": { description: "OpenAPI 3.1" } } },
      },
    },
  };
}
