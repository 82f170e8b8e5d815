package dev.agentplane.kit.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * JSON in canonical form (object keys sorted, no whitespace) and its SHA-256, so that equal values
 * hash equally however their keys were ordered: the registry's {@code specHash}, the execution
 * service's idempotent-request fingerprint.
 */
public final class CanonicalJson {

  private static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
          .disable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private CanonicalJson() {}

  public static byte[] bytes(JsonNode value) {
    try {
      return CANONICAL.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code sha256:<hex>} of the canonical form. */
  public static String sha256(JsonNode value) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes(value));
      return "sha256:" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
