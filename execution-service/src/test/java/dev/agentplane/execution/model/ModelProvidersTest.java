package dev.agentplane.execution.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelProvidersTest {

  private final BuiltinModels builtin = new BuiltinModels();

  @Test
  void findsTheProviderNamedBySettings() {
    ModelProviders providers = new ModelProviders(List.of(builtin));

    assertThat(providers.forSettings(settings("builtin"))).isSameAs(builtin);
  }

  @Test
  void anUnknownProviderIsRejected() {
    ModelProviders providers = new ModelProviders(List.of(builtin));

    for (ModelSettings settings :
        new ModelSettings[] {settings("anthropic"), settings(null), null}) {
      assertThatThrownBy(() -> providers.forSettings(settings))
          .isInstanceOfSatisfying(
              ModelException.class,
              e -> {
                assertThat(e.code()).isEqualTo("model_rejected");
                assertThat(e.getMessage()).contains("[builtin]");
              });
    }
  }

  @Test
  void twoProvidersCannotClaimTheSameName() {
    assertThatThrownBy(() -> new ModelProviders(List.of(builtin, new BuiltinModels())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("builtin");
  }

  private static ModelSettings settings(String provider) {
    return new ModelSettings(provider, "echo", null, null, null, null, null);
  }
}
