package dev.agentplane.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentplane.kit.json.JsonRequestBody;
import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.PayloadTooLargeException;
import dev.agentplane.registry.version.SpecJson;
import java.util.List;
import java.util.Set;

/**
 * The registry's request bodies, read strictly by {@link JsonRequestBody}: a body that is not there
 * is a 400, every field the server owns or does not know is named in one 400, and a spec —
 * free-form JSON the API stores as given — is an object no larger than {@link
 * SpecJson#MAX_SPEC_BYTES}.
 */
public final class JsonBody {

  /** Fields the server assigns; a client sending them is told so rather than silently ignored. */
  private static final Set<String> SERVER_OWNED =
      Set.of(
          "id",
          "tenantId",
          "status",
          "version",
          "specHash",
          "etag",
          "createdAt",
          "createdBy",
          "updatedAt",
          "updatedBy",
          "resourceId");

  private JsonBody() {}

  /** Parses {@code raw} as a JSON object holding only {@code allowed} fields. */
  public static JsonRequestBody parse(String raw, Set<String> allowed) {
    return JsonRequestBody.parseNonEmpty(raw, allowed, SERVER_OWNED);
  }

  /** The body's {@code spec}: a JSON object no larger than {@link SpecJson#MAX_SPEC_BYTES}. */
  public static JsonNode spec(JsonRequestBody body) {
    JsonNode spec = body.optionalJsonObject("spec");
    if (spec == null) {
      throw body.bad("spec", "required", "a spec object is required");
    }
    int size = SpecJson.canonicalBytes(spec).length;
    if (size > SpecJson.MAX_SPEC_BYTES) {
      throw new PayloadTooLargeException(
          "The spec is " + size + " bytes; at most " + SpecJson.MAX_SPEC_BYTES + " are accepted",
          List.of(
              new FieldError(
                  "/spec",
                  "too_large",
                  "spec is larger than " + SpecJson.MAX_SPEC_BYTES + " bytes")));
    }
    return spec;
  }
}
