package dev.agentplane.registry.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SSRF rule on hosts as written, without DNS. */
class OutboundHostGuardTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "localhost",
        "LocalHost.",
        "db.localhost",
        "metadata.google.internal",
        "metadata",
        "127.0.0.1",
        "127.255.255.254",
        "0.0.0.0",
        "10.20.30.40",
        "172.31.255.255",
        "192.168.0.1",
        "169.254.169.254",
        "100.100.100.200",
        "224.0.0.251",
        "255.255.255.255",
        "127.1",
        "0x7f.0.0.1",
        "0177.0.0.1",
        "2130706433",
        "017700000001",
        "08.1.2.3",
        "[::1]",
        "::1",
        "[0:0:0:0:0:0:0:1]",
        "[::]",
        "[fe80::1%25en0]",
        "[FEC0::1]",
        "[fc00::1]",
        "[fd12:3456:789a::1]",
        "[ff02::fb]",
        "[::ffff:127.0.0.1]",
        "[::ffff:10.0.0.1]",
        "[::ffff:a9fe:a9fe]",
        "[::127.0.0.1]",
        "[64:ff9b::169.254.169.254]",
        "[2002:c0a8:0101::1]",
        "[1:2:3]"
      })
  void aHostThatReachesThisMachineThePrivateNetworkOrMetadataIsRefused(String host) {
    assertThat(OutboundHostGuard.judge(host, List.of()))
        .isInstanceOf(OutboundHostGuard.Verdict.Refused.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "api.weather.example",
        "localhost.example.com",
        "metadata.example.com",
        "8.8.8.8",
        "1.1.1.1",
        "172.32.0.1",
        "192.169.0.1",
        "100.128.0.1",
        "[2001:4860:4860::8888]",
        "[::ffff:8.8.8.8]",
        "[2002:0808:0808::1]",
        "123.example"
      })
  void aPublicHostIsAllowed(String host) {
    assertThat(OutboundHostGuard.judge(host, List.of()))
        .isInstanceOf(OutboundHostGuard.Verdict.Allowed.class);
  }

  @Test
  void anAllowlistedHostIsAllowedWhateverItsCaseOrBrackets() {
    assertThat(OutboundHostGuard.judge("Intranet.Localhost", List.of("intranet.localhost")))
        .isInstanceOf(OutboundHostGuard.Verdict.Allowed.class);
    assertThat(OutboundHostGuard.judge("[fd00::5]", List.of("FD00::5")))
        .isInstanceOf(OutboundHostGuard.Verdict.Allowed.class);
  }

  @Test
  void theRefusalSaysWhichRangeTheAddressIsIn() {
    assertThat(OutboundHostGuard.judge("[::ffff:169.254.169.254]", List.of()))
        .isEqualTo(
            new OutboundHostGuard.Verdict.Refused(
                "[0:0:0:0:0:ffff:a9fe:a9fe] embeds 169.254.169.254, which is a link-local address"
                    + " (169.254.0.0/16, where cloud metadata services live)"));
  }
}
