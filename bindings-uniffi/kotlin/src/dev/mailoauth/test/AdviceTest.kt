package dev.mailoauth.test

import dev.mailoauth.*
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The 2026 advice through the Kotlin binding: presets, severities, runbook variants, personal accounts. */
class AdviceTest {
    private val clientId = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    private val objectId = "99999999-8888-7777-6666-555555555555"
    private val smtpDisabled = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox."

    // ---- cloud presets ------------------------------------------------------------------------

    @Test
    fun `the consumers and HVE presets have their SMTP hosts and names`() {
        assertEquals(
            listOf(CloudId.GLOBAL, CloudId.US_GOV, CloudId.US_GOV_DOD, CloudId.CHINA, CloudId.CONSUMERS, CloudId.HVE),
            cloudPresets(),
        )
        val personal = cloudPreset(CloudId.CONSUMERS)
        assertEquals("smtp-mail.outlook.com", personal.smtpHost)
        assertEquals("outlook.office365.com", personal.imapHost)
        assertEquals(MailServer("smtp-mail.outlook.com", 587u), personal.mailServer(Protocol.SMTP))
        assertEquals("smtp.hve.mx.microsoft", cloudPreset(CloudId.HVE).smtpHost)
        assertEquals(CloudId.CONSUMERS, cloudIdFromName("personal"))
        assertEquals(CloudId.CONSUMERS, cloudFromName("outlook.com").id)
        assertEquals(CloudId.HVE, cloudIdFromName("hve"))
        assertEquals("consumers", cloudIdName(CloudId.CONSUMERS))
        assertEquals("hve", cloudIdName(CloudId.HVE))
        assertTrue(cloudIdIsPersonal(CloudId.CONSUMERS))
        assertFalse(cloudIdIsPersonal(CloudId.GLOBAL))
        assertEquals("consumers", cloudIdImpliedTenant(CloudId.CONSUMERS))
        assertNull(cloudIdImpliedTenant(CloudId.HVE))
        assertTrue(isPersonalTenantId("9188040D-6C67-4C5B-B112-36A304B66DAD"))
        assertFalse(isPersonalTenantId("11111111-2222-3333-4444-555555555555"))
    }

    @Test
    fun `client credentials refuse organizations common and consumers, saying why`() {
        for (keyword in listOf("organizations", "common", "consumers")) {
            val e = assertThrows<MailoauthException.InvalidInput> { checkClientCredentialsTenant(keyword) }
            assertEquals("invalid_tenant", e.code)
            assertTrue(e.reason.contains(keyword), e.reason)
            assertFalse(parseTenant(keyword).allowsClientCredentials)
            val r = assertThrows<MailoauthException.InvalidInput> {
                buildClientCredentialsRequest(
                    "https://login.microsoftonline.com/$keyword/oauth2/v2.0/token", clientId,
                    "https://outlook.office365.com/.default", clientSecret = "S3CRET-abc",
                )
            }
            assertEquals("invalid_tenant", r.code)
            assertFalse(r.reason.contains("S3CRET"), r.reason)
        }
        assertTrue(assertThrows<MailoauthException.InvalidInput> { checkClientCredentialsTenant("organizations") }.reason.contains("guessed tenant"))
        val t = checkClientCredentialsTenant("contoso.onmicrosoft.com")
        assertEquals(TenantKind.DOMAIN, t.kind)
        assertTrue(t.allowsClientCredentials)
    }

    // ---- severities ---------------------------------------------------------------------------

    @Test
    fun `config lint findings carry their severity`() {
        val findings = lintConfig(
            ConfigFlow.CLIENT_CREDENTIALS, tenant = "organizations", clientId = clientId,
            clientSecret = "abc~DEF.ghi_jkl-123", scopes = listOf("https://outlook.office365.com/.default"),
        )
        val f = findings.single { it.code == "tenant_not_allowed_for_client_credentials" }
        assertEquals(Severity.ERROR, f.severity)
        assertEquals("error", severityName(f.severity))
        assertTrue(f.message.contains("organizations"), f.message)

        val personal = lintConfig(
            ConfigFlow.DEVICE_CODE, tenant = "consumers", clientId = clientId,
            scopes = listOf("https://outlook.office.com/.default", "offline_access"),
        )
        assertEquals(listOf("default_scope_for_personal_account"), personal.map { it.code })
        assertEquals(listOf("error", "warning", "note"), listOf(Severity.ERROR, Severity.WARNING, Severity.NOTE).map { severityName(it) })
    }

    @Test
    fun `an opaque token is a note, a shared-mailbox SMTP user an error`() {
        val opaque = lintAccessToken("EwBwA8l6BAAU-opaque", Protocol.IMAP, Grant.DELEGATED, 0uL)
        assertEquals(Severity.NOTE, opaque.findings.single { it.code == "opaque_token" }.severity)
        // A delegated token of anna@ used to log in as a shared mailbox: fine for IMAP, not for SMTP.
        fun token(scp: String): String {
            val claims = """{"aud":"https://outlook.office.com","tid":"11111111-2222-3333-4444-555555555555","upn":"anna@contoso.com","scp":"$scp","exp":4102444800}"""
            return "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(claims.toByteArray()) + ".c2ln"
        }
        val smtp = lintAccessToken(token("SMTP.Send"), Protocol.SMTP, Grant.DELEGATED, 1_800_000_000uL, user = "info@contoso.com")
        assertEquals(listOf("user_differs"), smtp.findings.map { it.code })
        val differs = smtp.findings.single()
        assertEquals(Severity.ERROR, differs.severity)
        assertTrue(differs.fix.contains("-AccessRights SendAs"), differs.fix)
        val imap = lintAccessToken(token("IMAP.AccessAsUser.All"), Protocol.IMAP, Grant.DELEGATED, 1_800_000_000uL, user = "info@contoso.com")
        assertEquals(listOf("user_differs"), imap.findings.map { it.code })
        assertEquals(Severity.NOTE, imap.findings.single().severity)
    }

    // ---- personal accounts --------------------------------------------------------------------

    @Test
    fun `a personal account's diagnosis speaks to the owner`() {
        val work = diagnoseReply(Protocol.SMTP, smtpDisabled)!!
        val personal = diagnoseReply(Protocol.SMTP, smtpDisabled, personal = true)!!
        assertEquals("smtp_auth_disabled", work.code)
        assertEquals("smtp_auth_disabled", personal.code)
        assertTrue(work.fix.contains("Set-CasMailbox"), work.fix)
        assertTrue(personal.fix.contains("Personal Microsoft account"), personal.fix)
        assertNotEquals(work.fix, personal.fix)
        assertEquals(personal, personalAccountDiagnosis("smtp_auth_disabled"))
        assertEquals(work, replyDiagnosis("smtp_auth_disabled"))
        assertEquals(replyDiagnosis("temporary_failure"), personalAccountDiagnosis("temporary_failure"))
        assertNull(replyDiagnosis("no_such_code"))
        assertNull(diagnoseReply(Protocol.SMTP, "235 2.7.0 Authentication successful", personal = true))
        assertTrue(replyCatalogue().any { it.code == "unrecognized" })
    }

    // ---- runbook variants ---------------------------------------------------------------------

    private fun runbook(variant: RunbookVariant?, protocols: List<Protocol>, cloud: CloudId = CloudId.GLOBAL) =
        buildRunbook(
            cloudPreset(cloud), "contoso.onmicrosoft.com", clientId, servicePrincipalObjectId = objectId,
            mailboxes = listOf("info@contoso.com"), protocols = protocols, variant = variant,
        )

    @Test
    fun `runbook variants by name and by default`() {
        assertEquals(listOf(RunbookVariant.MAILBOX_PERMISSION, RunbookVariant.RBAC, RunbookVariant.HVE), runbookVariants())
        for (v in runbookVariants()) assertEquals(v, runbookVariantFromName(runbookVariantName(v)))
        assertEquals("mailbox-permission", runbookVariantName(RunbookVariant.MAILBOX_PERMISSION))
        assertEquals(RunbookVariant.RBAC, runbookVariantFromName("App_RBAC"))
        assertEquals("invalid_input", assertThrows<MailoauthException.InvalidInput> { runbookVariantFromName("x") }.code)
        // Without a variant: the mailbox-permission runbook, Send As included for SMTP.
        val default = runbook(null, listOf(Protocol.SMTP))
        assertEquals(default, runbook(RunbookVariant.MAILBOX_PERMISSION, listOf(Protocol.SMTP)))
        val sendAs = sendAsCommand("info@contoso.com", objectId)
        assertEquals("Add-RecipientPermission -Identity 'info@contoso.com' -Trustee '$objectId' -AccessRights SendAs -Confirm:\$false", sendAs)
        assertTrue(sendAs in default.steps.flatMap { it.commands })
        assertEquals("Add-RecipientPermission -Identity 'o''brien@contoso.com' -Trustee 'x' -AccessRights SendAs -Confirm:\$false", sendAsCommand("o'brien@contoso.com", "x"))
    }

    @Test
    fun `rbac and hve runbooks are SMTP only and not for personal accounts`() {
        val rbac = runbook(RunbookVariant.RBAC, listOf()).steps.flatMap { it.commands }
        assertTrue(rbac.any { it.startsWith("New-ManagementRoleAssignment -App '$clientId' -Role 'Application SMTP.SendAsApp'") }, rbac.toString())
        assertFalse(rbac.any { it.contains("Add-MailboxPermission") }, rbac.toString())
        val hve = runbook(RunbookVariant.HVE, listOf(Protocol.SMTP)).steps.flatMap { it.commands }
        assertTrue("Add-HVEAppAccess -Identity 'info@contoso.com' -AppIds '$clientId'" in hve, hve.toString())
        assertFalse(hve.any { it.contains("New-ServicePrincipal") }, hve.toString())
        for (v in listOf(RunbookVariant.RBAC, RunbookVariant.HVE)) {
            assertEquals("invalid_input", assertThrows<MailoauthException.InvalidInput> { runbook(v, listOf(Protocol.IMAP)) }.code)
        }
        assertEquals("invalid_input", assertThrows<MailoauthException.InvalidInput> { runbook(null, listOf(Protocol.IMAP), CloudId.CONSUMERS) }.code)
    }
}
