package dev.agentplane.kit.kafka;

import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Property;
import io.micronaut.core.convert.format.MapFormat;
import jakarta.inject.Singleton;
import java.util.Map;

/** Reads {@code agentplane.kafka.producer.*} as raw Kafka producer properties. */
@Factory
final class KafkaProducerTuningFactory {

  @Singleton
  KafkaEventProducer.KafkaProducerTuning tuning(
      @Property(name = "agentplane.kafka.producer")
          @MapFormat(transformation = MapFormat.MapTransformation.FLAT)
          Map<String, String> properties) {
    return new KafkaEventProducer.KafkaProducerTuning(
        properties == null ? Map.of() : Map.copyOf(properties));
  }
}
