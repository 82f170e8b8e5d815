package dev.agentplane.execution.loop;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What model tokens cost, from {@code agentplane.execution.prices.<model name>.input|output} in US
 * dollars per million tokens; a model without a price costs nothing (the builtin models, a
 * self-hosted endpoint).
 */
@Singleton
class PriceTable {

  /** One model's prices, in US dollars per million tokens. */
  @EachProperty("agentplane.execution.prices")
  record ModelPrice(@Parameter String name, double input, double output) {}

  private final Map<String, ModelPrice> byModel;

  PriceTable(List<ModelPrice> prices) {
    this.byModel = prices.stream().collect(Collectors.toMap(ModelPrice::name, Function.identity()));
  }

  /**
   * The cost in micro-dollars: dollars per million tokens times tokens is exactly micro-dollars.
   */
  long costMicros(String model, long inputTokens, long outputTokens) {
    ModelPrice price = byModel.get(model);
    if (price == null) {
      return 0;
    }
    return Math.round(inputTokens * price.input() + outputTokens * price.output());
  }
}
