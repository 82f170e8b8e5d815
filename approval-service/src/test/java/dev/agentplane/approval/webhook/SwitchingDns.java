package dev.agentplane.approval.webhook;

import dev.agentplane.kit.outbound.OutboundHostGuard.HostResolver;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A DNS a test scripts: each name answers its given addresses in turn, one per lookup, repeating
 * the last; names it was not told about go to the JVM's resolver. Counts the lookups of each name.
 */
@Singleton
@Replaces(HostResolver.class)
@Requires(property = SwitchingDns.ENABLED, value = "true")
class SwitchingDns implements HostResolver {

  static final String ENABLED = "test.switching-dns";

  private final Map<String, List<String>> answers = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();

  /** From now on {@code name} answers {@code addresses} in turn. */
  void script(String name, String... addresses) {
    lookups.remove(name);
    answers.put(name, List.of(addresses));
  }

  int lookups(String name) {
    AtomicInteger count = lookups.get(name);
    return count == null ? 0 : count.get();
  }

  @Override
  public InetAddress[] resolve(String host) throws UnknownHostException {
    List<String> scripted = answers.get(host);
    if (scripted == null) {
      return HostResolver.SYSTEM.resolve(host);
    }
    int lookup = lookups.computeIfAbsent(host, h -> new AtomicInteger()).getAndIncrement();
    return new InetAddress[] {
      InetAddress.getByName(scripted.get(Math.min(lookup, scripted.size() - 1)))
    };
  }
}
