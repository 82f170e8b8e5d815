package dev.agentplane.execution.tool.mcp;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tool names MCP servers offered lately, so that a run calling the same server again skips the
 * listing. Kept per tenant and credential, since a server may show each caller other tools; never
 * keyed or filled with secret values. A name missing from a kept list is no proof of absence (the
 * server may have gained the tool), so callers list again before refusing.
 */
final class RemoteToolNames {

  // Enough for every server a worker's tenants use at once; past it, start over rather than track
  // recency for a cache this cheap to refill.
  private static final int MAX_SERVERS = 1_000;

  /** Whose view of which server. */
  record Server(String tenantId, URI serverUrl, Optional<String> authSecret) {}

  private record Listing(Set<String> names, long listedAtNanos) {}

  private final Duration ttl;
  private final ConcurrentHashMap<Server, Listing> listings = new ConcurrentHashMap<>();

  RemoteToolNames(Duration ttl) {
    this.ttl = ttl;
  }

  /** Whether the server offered the tool in a listing still fresh. */
  boolean recentlyOffered(Server server, String toolName) {
    Listing listing = listings.get(server);
    return listing != null
        && System.nanoTime() - listing.listedAtNanos() < ttl.toNanos()
        && listing.names().contains(toolName);
  }

  void remember(Server server, Set<String> names) {
    if (listings.size() >= MAX_SERVERS) {
      listings.clear();
    }
    listings.put(server, new Listing(Set.copyOf(names), System.nanoTime()));
  }
}
