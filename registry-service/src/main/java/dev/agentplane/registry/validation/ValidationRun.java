package dev.agentplane.registry.validation;

import dev.agentplane.registry.tenant.TenantPolicy;

/** One validation's inputs, shared by the rules, and the findings they add to. */
record ValidationRun(
    String tenantId,
    ValidationPurpose purpose,
    RegistryLookup lookup,
    TenantPolicy policy,
    Findings findings) {

  static ValidationRun start(String tenantId, ValidationPurpose purpose, RegistryLookup lookup) {
    return new ValidationRun(tenantId, purpose, lookup, lookup.policy(tenantId), new Findings());
  }

  void add(ValidationCode code, SpecPointer pointer, String message) {
    findings.add(code, pointer, message);
  }

  boolean secretExists(String secretName) {
    return lookup.secretExists(tenantId, secretName);
  }
}
