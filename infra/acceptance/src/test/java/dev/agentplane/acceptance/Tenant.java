package dev.agentplane.acceptance;

import dev.agentplane.testkit.TestTokens;
import java.util.UUID;

/**
 * A tenant of the platform with its people, each a signed JWT as the identity provider would issue
 * it: Ada the admin, Bill the builder, Ann the approver, Otto the operator, Vic the viewer, and a
 * service principal. Every test makes tenants of its own, so no test sees another's data.
 *
 * @param id the {@code tid} claim, unique per call of {@link #named}
 */
public record Tenant(String id) {

  private static final TestTokens TOKENS = TestTokens.standard();

  /** A fresh tenant whose id starts with {@code name}, e.g. {@code acme-1f2e3d4c}. */
  public static Tenant named(String name) {
    return new Tenant(name + "-" + UUID.randomUUID().toString().substring(0, 8));
  }

  public String admin() {
    return user("ada", "admin");
  }

  public String builder() {
    return user("bill", "builder");
  }

  public String approver() {
    return user("ann", "approver");
  }

  public String operator() {
    return user("otto", "operator");
  }

  public String viewer() {
    return user("vic", "viewer");
  }

  /** A user of this tenant with these roles. */
  public String user(String subject, String... roles) {
    return TOKENS.user(id, subject, roles);
  }

  /** A service principal ({@code ptype: service}) of this tenant with these roles. */
  public String service(String subject, String... roles) {
    return TOKENS.service(id, subject, roles);
  }
}
