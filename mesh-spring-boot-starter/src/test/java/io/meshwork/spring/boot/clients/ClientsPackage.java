package io.meshwork.spring.boot.clients;

import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.context.annotation.Configuration;

/** Makes this package the application's, as a {@code @SpringBootApplication} here would. */
@Configuration(proxyBeanMethods = false)
@AutoConfigurationPackage
public class ClientsPackage {}
