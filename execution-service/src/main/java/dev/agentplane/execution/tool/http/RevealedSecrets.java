package dev.agentplane.execution.tool.http;

import dev.agentplane.execution.registry.TenantSecrets;
import dev.agentplane.execution.tool.ToolFailure;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The secrets one call revealed, asked for once each, and struck from whatever text the call hands
 * back: a server that echoes its request (many debugging endpoints do) would otherwise put the
 * token in the model's context, the run's events and the logs.
 */
final class RevealedSecrets implements HeaderTemplate.SecretSource {

  private final TenantSecrets secrets;
  private final String tenantId;
  private final Map<String, String> valuesByName = new LinkedHashMap<>();

  RevealedSecrets(TenantSecrets secrets, String tenantId) {
    this.secrets = secrets;
    this.tenantId = tenantId;
  }

  /**
   * @throws ToolFailure {@code tool_secret_missing} when the tenant has no secret of that name
   *     (deleted since the tool was registered)
   */
  @Override
  public String reveal(String name) {
    String known = valuesByName.get(name);
    if (known != null) {
      return known;
    }
    String value =
        secrets
            .reveal(tenantId, name)
            .orElseThrow(
                () ->
                    new ToolFailure(
                        "tool_secret_missing",
                        "The tool needs the secret " + name + ", which the tenant does not have"));
    valuesByName.put(name, value);
    return value;
  }

  /** The text with every revealed value replaced by {@code [secret NAME]}. */
  String redact(String text) {
    String redacted = text;
    // Longest first, so that a secret containing another is struck whole.
    for (Map.Entry<String, String> secret :
        valuesByName.entrySet().stream()
            .sorted(Comparator.comparingInt(entry -> -entry.getValue().length()))
            .toList()) {
      if (!secret.getValue().isEmpty()) {
        redacted = redacted.replace(secret.getValue(), "[secret " + secret.getKey() + "]");
      }
    }
    return redacted;
  }
}
