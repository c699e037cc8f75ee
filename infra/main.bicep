// Entry point for `azd provision`. azd convention (same as Azure-Samples functions-quickstart-typescript-azd):
// subscription scope, creates the resource group, everything else lives in resources.bicep.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; seeds resource names and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region for all resources. Must be a region that offers Flex Consumption (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Optional resource group name; defaults to rg-<environmentName>.')
param resourceGroupName string = ''

// 32 random bytes, base64 (44 chars). azd prompts for it on first `azd up` and keeps it in the
// environment's config, or set it up front: azd env set WEBHOOK_SECRET_ENCRYPTION_KEY $(openssl rand -base64 32)
// Keep it stable: it decrypts webhook secrets already sitting in the queue.
@secure()
@minLength(44)
@maxLength(44)
@description('Key that encrypts webhook secrets before they enter Service Bus (openssl rand -base64 32).')
param webhookSecretEncryptionKey string

// Optional static keys, `tenant:sha256hex` pairs (npm run keys -- hash <key>); hashes only, never raw keys.
@secure()
@description('Optional API_KEYS value (tenant:sha256hex pairs, comma-separated).')
param apiKeys string = ''

@allowed([
  512
  2048
  4096
])
@description('Flex Consumption instance memory size in MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Flex Consumption scale-out ceiling for the app.')
param maximumInstanceCount int = 40

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  name: 'resources'
  scope: rg
  params: {
    location: location
    tags: tags
    resourceToken: resourceToken
    webhookSecretEncryptionKey: webhookSecretEncryptionKey
    apiKeys: apiKeys
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = resources.outputs.functionAppName
output AZURE_FUNCTION_APP_URL string = resources.outputs.functionAppUrl
output SERVICE_BUS_NAMESPACE string = resources.outputs.serviceBusNamespaceName
output APPLICATIONINSIGHTS_CONNECTION_STRING string = resources.outputs.appInsightsConnectionString
output AZURE_STORAGE_ACCOUNT_NAME string = resources.outputs.storageAccountName
