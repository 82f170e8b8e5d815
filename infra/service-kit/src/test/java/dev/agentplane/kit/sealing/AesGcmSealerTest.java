package dev.agentplane.kit.sealing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AES-256-GCM sealing: bound to its associated data, tamper-evident, rotatable by key id. */
class AesGcmSealerTest {

  private static final String KEY_A = Base64.getEncoder().encodeToString(new byte[32]);
  private static final String KEY_B =
      Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());

  private static AesGcmSealer sealer(String current, Map<String, String> keys) {
    return AesGcmSealer.fromConfig("test.keys", "TEST_KEY", current, keys, "dev", KEY_A);
  }

  @Test
  void aSealedValueOpensWithTheSameAssociatedDataAndAFreshNonceEachTime() {
    AesGcmSealer sealer = sealer(null, Map.of("a", KEY_A));

    AesGcmSealer.Sealed first = sealer.seal("whsec_value", "t1\u0000s1");
    AesGcmSealer.Sealed second = sealer.seal("whsec_value", "t1\u0000s1");

    assertThat(sealer.open(first, "t1\u0000s1", "value")).isEqualTo("whsec_value");
    assertThat(first.keyId()).isEqualTo("a");
    assertThat(first.nonce()).hasSize(12).isNotEqualTo(second.nonce());
    assertThat(first.ciphertext()).isNotEqualTo(second.ciphertext());
  }

  @Test
  void aValueMovedToOtherAssociatedDataOrTamperedWithDoesNotOpen() {
    AesGcmSealer sealer = sealer(null, Map.of("a", KEY_A));
    AesGcmSealer.Sealed sealed = sealer.seal("whsec_value", "t1\u0000s1");
    byte[] tampered = sealed.ciphertext().clone();
    tampered[0] ^= 1;

    assertThatThrownBy(() -> sealer.open(sealed, "t2\u0000s1", "The value"))
        .hasMessage("The value does not open: tampered or misplaced");
    assertThatThrownBy(
            () ->
                sealer.open(
                    new AesGcmSealer.Sealed("a", sealed.nonce(), tampered), "t1\u0000s1", "v"))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void valuesSealedWithAnOlderKeyStillOpenAfterTheCurrentKeyChanges() {
    AesGcmSealer before = sealer(null, Map.of("a", KEY_A));
    AesGcmSealer.Sealed old = before.seal("v", "ad");
    AesGcmSealer after = sealer("b", Map.of("a", KEY_A, "b", KEY_B));

    assertThat(after.open(old, "ad", "v")).isEqualTo("v");
    assertThat(after.seal("v", "ad").keyId()).isEqualTo("b");
    assertThatThrownBy(() -> sealer(null, Map.of("b", KEY_B)).open(old, "ad", "The value"))
        .hasMessage("The value was sealed with key a, which is not configured");
  }

  @Test
  void misconfiguredKeysFailAtStartNotAtFirstUse() {
    assertThatThrownBy(() -> sealer(null, Map.of("a", "c2hvcnQ=")))
        .hasMessageContaining("must be 32 bytes");
    assertThatThrownBy(() -> sealer(null, Map.of("a", KEY_A, "b", KEY_B)))
        .hasMessageContaining("set test.keys.current-key-id");
    assertThatThrownBy(() -> sealer("c", Map.of("a", KEY_A)))
        .hasMessageContaining("names no configured key: c");
  }

  @Test
  void withoutConfiguredKeysTheDevKeySeals() {
    assertThat(sealer(null, Map.of("env", " ")).seal("v", "ad").keyId()).isEqualTo("dev");
  }
}
