package dev.agentplane.gateway.routing;

import io.micronaut.http.MutableHttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What may cross the gateway in a header. Hop-by-hop headers (RFC 9110 §7.6.1: the fixed list plus
 * every header the {@code Connection} header names) never do, either way. Client-supplied headers
 * that a service could mistake for something the gateway asserted never reach a service: the
 * deny-list is every {@code X-Forwarded-*}, {@code X-Tenant*}, {@code X-User*}, {@code X-Auth*},
 * {@code X-Principal*}, {@code X-Roles*}, {@code X-Subject*}, {@code X-Internal-*}, {@code
 * X-Agentplane-*} and {@code X-Original-*} header, plus {@code Forwarded}, {@code X-Real-IP} and
 * {@code X-Client-IP}. Services trust only the token they validate themselves; the deny-list makes
 * sure a future service that reads such a header cannot be fooled from outside.
 */
public final class ForwardedHeaders {

  static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "proxy-authenticate",
          "proxy-authorization");

  private static final List<String> INTERNAL_PREFIXES =
      List.of(
          "x-forwarded-",
          "x-tenant",
          "x-user",
          "x-auth",
          "x-principal",
          "x-roles",
          "x-subject",
          "x-internal-",
          "x-agentplane-",
          "x-original-");

  private static final Set<String> INTERNAL_NAMES = Set.of("forwarded", "x-real-ip", "x-client-ip");

  private ForwardedHeaders() {}

  /** Whether a client may not set this header on a request to a service. */
  public static boolean isInternal(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (INTERNAL_NAMES.contains(lower)) {
      return true;
    }
    for (String prefix : INTERNAL_PREFIXES) {
      if (lower.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** Removes hop-by-hop headers and, when {@code alsoInternal}, the internal deny-list. */
  static void strip(MutableHttpHeaders headers, boolean alsoInternal) {
    List<String> doomed = new ArrayList<>();
    for (String connectionValue : headers.getAll("Connection")) {
      for (String token : connectionValue.split(",")) {
        if (!token.isBlank()) {
          doomed.add(token.trim());
        }
      }
    }
    for (String name : headers.names()) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(lower) || (alsoInternal && isInternal(name))) {
        doomed.add(name);
      }
    }
    doomed.forEach(headers::remove);
  }
}
