package dev.agentplane.registry;

import dev.agentplane.testkit.RunnableServiceContract;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;

@MicronautTest(transactional = false)
class RegistryServiceIT extends RunnableServiceContract {}
