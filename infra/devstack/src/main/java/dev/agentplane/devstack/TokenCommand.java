package dev.agentplane.devstack;

import dev.agentplane.devstack.StackOptions.UsageException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./agentplane token}: mints a dev token for any tenant, subject, roles and principal type,
 * signed with the stack's HS256 secret ({@code AGENTPLANE_JWT_SECRET} or {@code
 * .agentplane/jwt-secret}). Dev only: production tokens come from the identity provider, and the
 * gateway has no token endpoint.
 */
final class TokenCommand {

  static final Duration DEFAULT_TTL = Duration.ofHours(1);
  private static final Set<String> ROLES =
      Set.of("admin", "builder", "operator", "approver", "viewer", "internal");
  private static final Set<String> FLAGS =
      Set.of("--tenant", "--subject", "--roles", "--ptype", "--ttl", "--state-dir");

  /** What to mint. */
  record Request(
      String tenant, String subject, List<String> roles, String principalType, Duration ttl) {}

  private TokenCommand() {}

  /**
   * Reads {@code --tenant T --subject S --roles a,b --ptype user|service [--ttl SECONDS]}.
   *
   * @throws UsageException when a flag is missing, unknown or malformed
   */
  static Request parse(List<String> flags) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < flags.size(); i++) {
      String flag = flags.get(i);
      String value;
      int equals = flag.indexOf('=');
      if (equals > 0) {
        value = flag.substring(equals + 1);
        flag = flag.substring(0, equals);
      } else if (i + 1 < flags.size()) {
        value = flags.get(++i);
      } else {
        throw new UsageException(flag + " needs a value.");
      }
      if (!FLAGS.contains(flag)) {
        throw new UsageException("Unknown option " + flag + " for token.");
      }
      values.put(flag, value);
    }
    String tenant = required(values, "--tenant");
    String subject = required(values, "--subject");
    List<String> roles =
        Arrays.stream(required(values, "--roles").split(","))
            .map(String::trim)
            .filter(role -> !role.isEmpty())
            .toList();
    for (String role : roles) {
      if (!ROLES.contains(role)) {
        throw new UsageException("Unknown role '" + role + "'; roles are " + ROLES + ".");
      }
    }
    String principalType = values.getOrDefault("--ptype", "user");
    if (!principalType.equals("user") && !principalType.equals("service")) {
      throw new UsageException("--ptype must be user or service, not '" + principalType + "'.");
    }
    Duration ttl = DEFAULT_TTL;
    if (values.containsKey("--ttl")) {
      try {
        ttl = Duration.ofSeconds(Long.parseLong(values.get("--ttl").trim()));
      } catch (NumberFormatException e) {
        throw new UsageException("--ttl must be a number of seconds.");
      }
      if (ttl.isNegative() || ttl.isZero()) {
        throw new UsageException("--ttl must be positive.");
      }
    }
    return new Request(tenant, subject, roles, principalType, ttl);
  }

  /** The flags that are not the token's own (only --state-dir), for the stack's options. */
  static List<String> stackFlags(List<String> flags) {
    for (int i = 0; i < flags.size(); i++) {
      if (flags.get(i).equals("--state-dir") && i + 1 < flags.size()) {
        return List.of("--state-dir", flags.get(i + 1));
      }
      if (flags.get(i).startsWith("--state-dir=")) {
        return List.of(flags.get(i));
      }
    }
    return List.of();
  }

  static String mint(Request request, String secret, String issuer, Instant now) {
    return DevToken.mint(
        secret,
        issuer,
        request.tenant(),
        request.subject(),
        request.roles(),
        request.principalType(),
        now,
        request.ttl());
  }

  /** Prints the token for a stack rooted at {@code repositoryRoot}; returns the exit code. */
  static int run(Path repositoryRoot, List<String> flags, Map<String, String> env) {
    Request request = parse(flags);
    StackOptions options = StackOptions.parse(repositoryRoot, stackFlags(flags), env);
    // The stack's own secret, created here if no stack has run yet (the next `up` then uses it).
    String secret =
        options
            .jwtSecret()
            .orElseGet(
                () -> {
                  StateDirectory state = new StateDirectory(options.stateDirectory());
                  state.create();
                  return state.jwtSecret();
                });
    System.out.println(mint(request, secret, options.jwtIssuer(), Instant.now()));
    return 0;
  }

  private static String required(Map<String, String> values, String flag) {
    String value = values.get(flag);
    if (value == null || value.isBlank()) {
      throw new UsageException("token needs " + flag + ".");
    }
    return value.trim();
  }
}
