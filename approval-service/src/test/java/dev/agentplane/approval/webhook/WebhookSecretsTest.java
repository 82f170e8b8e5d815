package dev.agentplane.approval.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentplane.kit.sealing.AesGcmSealer.Sealed;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Which keys seal and open the webhook secrets: several by id with one current, and the single
 * {@code secret-key} of earlier configurations still opening what it sealed.
 */
class WebhookSecretsTest {

  private static final String KEY_A = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
  private static final String KEY_B = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";
  private static final UUID WEBHOOK = UUID.randomUUID();

  private static WebhookSecrets secrets(String single, Map<String, String> keys, String current) {
    return new WebhookSecrets(settings(single, keys, current));
  }

  @Test
  void theCurrentKeySealsAndEveryConfiguredKeyOpens() {
    WebhookSecrets before = secrets(null, Map.of("a", KEY_A), null);
    Sealed onA = before.seal("t1", WEBHOOK, "whsec_one");
    Sealed inboundOnA = before.sealTenantSecret("t1", "inbound-decisions", "whsec_two");

    WebhookSecrets during = secrets(null, Map.of("a", KEY_A, "b", KEY_B), "b");

    assertThat(onA.keyId()).isEqualTo("a");
    assertThat(during.currentKeyId()).isEqualTo("b");
    assertThat(during.open("t1", WEBHOOK, onA)).isEqualTo("whsec_one");
    assertThat(during.openTenantSecret("t1", "inbound-decisions", inboundOnA))
        .isEqualTo("whsec_two");
    assertThat(during.seal("t1", WEBHOOK, "whsec_three").keyId()).isEqualTo("b");
  }

  @Test
  void resealingMovesAValueToTheCurrentKeyAndLeavesOneAlreadyThereAsItIs() {
    Sealed onA = secrets(null, Map.of("a", KEY_A), null).seal("t1", WEBHOOK, "whsec_one");
    WebhookSecrets during = secrets(null, Map.of("a", KEY_A, "b", KEY_B), "b");

    Sealed onB = during.resealed("t1", WEBHOOK, onA);

    assertThat(onB.keyId()).isEqualTo("b");
    assertThat(secrets(null, Map.of("b", KEY_B), null).open("t1", WEBHOOK, onB))
        .isEqualTo("whsec_one");
    assertThat(during.resealed("t1", WEBHOOK, onB)).isSameAs(onB);
  }

  @Test
  void aValueWhoseKeyIsNoLongerConfiguredSaysWhichKeyItNeeds() {
    Sealed onA = secrets(null, Map.of("a", KEY_A), null).seal("t1", WEBHOOK, "whsec_one");
    WebhookSecrets after = secrets(null, Map.of("b", KEY_B), null);

    assertThatThrownBy(() -> after.resealed("t1", WEBHOOK, onA))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("key a, which is not configured")
        .hasMessageNotContaining("whsec_one");
  }

  @Test
  void theSingleSecretKeyKeepsItsFingerprintIdAndStillOpensBesideNamedKeys() {
    WebhookSecrets single = secrets(KEY_A, null, null);
    Sealed sealed = single.seal("t1", WEBHOOK, "whsec_one");
    String fingerprint = single.currentKeyId();

    WebhookSecrets rotated = secrets(KEY_A, Map.of("b", KEY_B), "b");

    assertThat(fingerprint).matches("k-[0-9a-f]{8}");
    assertThat(sealed.keyId()).isEqualTo(fingerprint);
    assertThat(rotated.open("t1", WEBHOOK, sealed)).isEqualTo("whsec_one");
    assertThat(rotated.currentKeyId()).isEqualTo("b");
    assertThat(WebhookSecrets.configuredKeys(settings(KEY_A, Map.of("b", KEY_B), "b")))
        .containsOnlyKeys(fingerprint, "b");
  }

  @Test
  void blankKeysAsFromUnsetEnvironmentVariablesAreNoKeys() {
    WebhookSecrets secrets = secrets(" ", Map.of("a", KEY_A, "b", ""), null);

    assertThat(secrets.currentKeyId()).isEqualTo("a");
  }

  @Test
  void severalKeysWithoutACurrentOneOrACurrentOneNotConfiguredAreRefusedAtStartUp() {
    assertThatThrownBy(() -> secrets(KEY_A, Map.of("b", KEY_B), null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("agentplane.approval.webhooks.current-secret-key-id");
    assertThatThrownBy(() -> secrets(null, Map.of("a", KEY_A), "b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "agentplane.approval.webhooks.current-secret-key-id names no configured key: b");
  }

  private static WebhookSettings settings(String single, Map<String, String> keys, String current) {
    return new WebhookSettings(
        single,
        keys,
        current,
        true,
        null,
        null,
        Duration.ofHours(24),
        List.of(Duration.ofSeconds(5)),
        Duration.ofSeconds(5),
        Duration.ofSeconds(15),
        16,
        Duration.ofSeconds(1),
        true);
  }
}
