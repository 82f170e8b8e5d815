package dev.agentplane.registry.secret;

import dev.agentplane.kit.problem.FieldError;
import dev.agentplane.kit.problem.NotFoundException;
import dev.agentplane.kit.problem.ValidationFailedException;
import dev.agentplane.kit.security.TenantPrincipal;
import io.micronaut.transaction.annotation.ReadOnly;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A tenant's secrets: names anyone in the tenant's admin may manage, values sealed at rest and
 * released only to the platform's own services.
 */
@Singleton
public class Secrets {

  /** Secret names: upper snake case, as referenced by {@code {{secret:NAME}}}. */
  public static final Pattern NAME = Pattern.compile("^[A-Z][A-Z0-9_]{0,63}$");

  private static final int MAX_VALUE_BYTES = 64 * 1024;

  private final SecretRepository secrets;
  private final SecretVault vault;

  Secrets(SecretRepository secrets, SecretVault vault) {
    this.secrets = secrets;
    this.vault = vault;
  }

  /** Stores the value under the name; true when the name was new. */
  @Transactional
  public boolean put(TenantPrincipal principal, String name, String value) {
    requireName(name);
    if (value == null || value.isEmpty()) {
      throw new ValidationFailedException(
          "A secret needs a value",
          List.of(new FieldError("/value", "required", "value must be a non-empty string")));
    }
    if (value.length() > MAX_VALUE_BYTES) {
      throw new ValidationFailedException(
          "The secret value is too long",
          List.of(new FieldError("/value", "too_long", "value is at most 64 KiB")));
    }
    return secrets.upsert(
        principal.tenantId(),
        name,
        vault.seal(principal.tenantId(), name, value),
        principal.subject(),
        Instant.now().truncatedTo(ChronoUnit.MICROS));
  }

  @ReadOnly
  public List<SecretMetadata> list(TenantPrincipal principal) {
    return secrets.list(principal.tenantId());
  }

  @Transactional
  public void delete(TenantPrincipal principal, String name) {
    if (!secrets.delete(principal.tenantId(), name)) {
      throw notFound(name);
    }
  }

  @ReadOnly
  public String reveal(TenantPrincipal principal, String name) {
    return secrets
        .find(principal.tenantId(), name)
        .map(stored -> vault.open(principal.tenantId(), name, stored))
        .orElseThrow(() -> notFound(name));
  }

  @ReadOnly
  public boolean exists(String tenantId, String name) {
    return secrets.exists(tenantId, name);
  }

  private static void requireName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new ValidationFailedException(
          "Not a valid secret name",
          List.of(
              new FieldError(
                  "/name",
                  "invalid_format",
                  "secret names are upper snake case: " + NAME.pattern())));
    }
  }

  private static NotFoundException notFound(String name) {
    return new NotFoundException("No secret named " + name);
  }
}
