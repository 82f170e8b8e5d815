package dev.agentplane.contracts;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Maps payload records to their CloudEvents {@code type} and back, derived from the sealed {@link
 * PlatformEvent} hierarchy so that a new record cannot be left out of the registry.
 */
public final class EventTypes {

  private static final Map<Class<? extends PlatformEvent>, String> TYPE_BY_CLASS =
      new LinkedHashMap<>();
  private static final Map<String, Class<? extends PlatformEvent>> CLASS_BY_TYPE =
      new LinkedHashMap<>();

  static {
    payloadRecords(PlatformEvent.class)
        .forEach(
            record -> {
              EventType type = record.getAnnotation(EventType.class);
              if (type == null) {
                throw new IllegalStateException(record.getName() + " has no @EventType");
              }
              Class<? extends PlatformEvent> clash = CLASS_BY_TYPE.put(type.value(), record);
              if (clash != null) {
                throw new IllegalStateException(
                    "Event type " + type.value() + " is declared twice: " + clash + ", " + record);
              }
              TYPE_BY_CLASS.put(record, type.value());
            });
  }

  private EventTypes() {}

  /** The CloudEvents {@code type} of a payload record class. */
  public static String typeOf(Class<? extends PlatformEvent> eventClass) {
    String type = TYPE_BY_CLASS.get(eventClass);
    if (type == null) {
      throw new IllegalArgumentException(eventClass + " is not a payload record");
    }
    return type;
  }

  /** The CloudEvents {@code type} of an event. */
  public static String typeOf(PlatformEvent event) {
    return typeOf(event.getClass());
  }

  /** The payload record class of a CloudEvents {@code type}, empty when the type is not ours. */
  public static Optional<Class<? extends PlatformEvent>> classOf(String type) {
    return Optional.ofNullable(CLASS_BY_TYPE.get(type));
  }

  /** Every event type, in declaration order. */
  public static List<String> all() {
    return List.copyOf(CLASS_BY_TYPE.keySet());
  }

  /** Every payload record class, in declaration order. */
  public static List<Class<? extends PlatformEvent>> allClasses() {
    return List.copyOf(TYPE_BY_CLASS.keySet());
  }

  @SuppressWarnings("unchecked") // permitted subclasses of a PlatformEvent are PlatformEvents
  private static Stream<Class<? extends PlatformEvent>> payloadRecords(Class<?> type) {
    if (type.isRecord()) {
      return Stream.of((Class<? extends PlatformEvent>) type);
    }
    return Arrays.stream(type.getPermittedSubclasses()).flatMap(EventTypes::payloadRecords);
  }
}
