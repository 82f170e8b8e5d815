package dev.agentplane.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PortCheckTest {

  @Test
  void aPortSomethingListensOnIsReportedUnderItsName() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int free = PortCheck.freePort();

      Map<String, Integer> result =
          PortCheck.taken(Map.of("gateway port", taken.getLocalPort(), "registry port", free));

      assertThat(result).containsExactly(Map.entry("gateway port", taken.getLocalPort()));
    }
  }
}
