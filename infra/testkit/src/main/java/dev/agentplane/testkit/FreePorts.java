package dev.agentplane.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** Ports for the processes tests start, which must keep them across restarts. */
public final class FreePorts {

  private FreePorts() {}

  /**
   * A port no one listens on, chosen below the kernel's ephemeral range. A port from {@code new
   * ServerSocket(0)} comes from that range, and so does the local port of every outgoing
   * connection: between the probe closing it and the child binding it, any client of PostgreSQL or
   * Kafka on this machine could take it ("Address already in use"), and a restart on the same port
   * could find it taken too. Below the range only another explicit choice can collide, which the
   * bind check catches.
   */
  public static int belowEphemeralRange() throws IOException {
    int ephemeralLow = ephemeralRangeStart();
    int low = 10_000;
    int high = Math.max(low + 1_000, ephemeralLow) - 1;
    for (int attempt = 0; attempt < 200; attempt++) {
      int candidate = ThreadLocalRandom.current().nextInt(low, high + 1);
      try (ServerSocket probe = new ServerSocket()) {
        probe.setReuseAddress(false);
        probe.bind(new InetSocketAddress(candidate));
        return candidate;
      } catch (IOException taken) {
        // Someone listens there: try another.
      }
    }
    throw new IOException("No free port between " + low + " and " + high);
  }

  /** {@code count} different ports, each as {@link #belowEphemeralRange()} chooses it. */
  public static List<Integer> belowEphemeralRange(int count) throws IOException {
    Set<Integer> ports = new LinkedHashSet<>();
    while (ports.size() < count) {
      ports.add(belowEphemeralRange());
    }
    return List.copyOf(ports);
  }

  /** The first port of {@code net.ipv4.ip_local_port_range} (Linux), else IANA's 49152. */
  private static int ephemeralRangeStart() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException unknown) {
      return 49_152;
    }
  }
}
