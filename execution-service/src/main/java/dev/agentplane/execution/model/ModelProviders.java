package dev.agentplane.execution.model;

import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Every model provider of the service, found by the {@code model.provider} of an agent spec. */
@Singleton
public class ModelProviders {

  private final Map<String, ModelProvider> byProvider = new HashMap<>();

  public ModelProviders(List<ModelProvider> providers) {
    for (ModelProvider provider : providers) {
      ModelProvider earlier = byProvider.putIfAbsent(provider.provider(), provider);
      if (earlier != null) {
        throw new IllegalStateException(
            "Two model providers claim '"
                + provider.provider()
                + "': "
                + earlier.getClass().getName()
                + " and "
                + provider.getClass().getName());
      }
    }
  }

  /**
   * The provider that serves these settings.
   *
   * @throws ModelException {@code model_rejected} when no provider serves them
   */
  public ModelProvider forSettings(ModelSettings settings) {
    String provider = settings == null ? null : settings.provider();
    ModelProvider found = provider == null ? null : byProvider.get(provider);
    if (found == null) {
      throw new ModelException(
          "model_rejected",
          "No model provider '"
              + provider
              + "'; this service has "
              + new TreeSet<>(byProvider.keySet()),
          false);
    }
    return found;
  }
}
