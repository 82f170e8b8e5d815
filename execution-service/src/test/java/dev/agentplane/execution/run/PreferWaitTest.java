package dev.agentplane.execution.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreferWaitTest {

  private static final Duration MOST = Duration.ofSeconds(2);

  @Test
  void aShorterWaitShortensThePatienceAndALongerOneIsCapped() {
    assertThat(PreferWait.patience(List.of("wait=0"), MOST)).isZero();
    assertThat(PreferWait.patience(List.of("wait=1"), MOST)).isEqualTo(Duration.ofSeconds(1));
    assertThat(PreferWait.patience(List.of("wait=100"), MOST)).isEqualTo(MOST);
    assertThat(PreferWait.patience(List.of("wait=99999999999999999999"), MOST)).isEqualTo(MOST);
  }

  @Test
  void theWaitIsFoundAmongOtherPreferencesAndHeadersWhateverItsCase() {
    assertThat(PreferWait.patience(List.of("respond-async, Wait = 1"), MOST))
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(PreferWait.patience(List.of("return=minimal", "wait=\"0\"; foo=bar"), MOST))
        .isZero();
  }

  @Test
  void noWaitOrAnUnreadableOneLeavesTheServersPatience() {
    assertThat(PreferWait.patience(List.of(), MOST)).isEqualTo(MOST);
    assertThat(PreferWait.patience(List.of("respond-async"), MOST)).isEqualTo(MOST);
    assertThat(PreferWait.patience(List.of("wait=-1", "waiting=0", "wait=soon"), MOST))
        .isEqualTo(MOST);
  }
}
