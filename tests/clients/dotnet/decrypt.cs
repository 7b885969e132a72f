// Decrypts an issued token the way .NET's EncryptedXml does for WIF's
// EncryptedSecurityTokenHandler (EncryptedKey unwrapped with the relying
// party's RSA key, EncryptedData decrypted with the content key), then checks
// the assertion's signature with SignedXml against the STS certificate.
// Usage: decrypt.exe TOKEN.xml RP.pfx PASSWORD STS.crt; prints the assertion.
// Exit 0 decrypted and verified, 1 bad signature, 2 cannot run.
using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;

// SAML 1.1 names its ID attribute AssertionID, which SignedXml does not
// know; WIF's SAML 1.1 reader resolves it, and so does this.
class SamlSignedXml : SignedXml
{
    public SamlSignedXml(XmlElement e) : base(e) { }

    public override XmlElement GetIdElement(XmlDocument doc, string id)
    {
        var found = base.GetIdElement(doc, id);
        if (found != null)
            return found;
        var matches = doc.SelectNodes("//*[@AssertionID='" + id.Replace("'", "") + "']");
        return matches.Count == 1 ? (XmlElement)matches[0] : null;
    }
}

class Decrypt
{
    static int Main(string[] args)
    {
        try
        {
            var doc = new XmlDocument { PreserveWhitespace = true };
            doc.Load(args[0]);
            var rp = new X509Certificate2(args[1], args[2], X509KeyStorageFlags.Exportable);
            var key = (RSA)rp.PrivateKey;
            var ns = new XmlNamespaceManager(doc.NameTable);
            ns.AddNamespace("xenc", EncryptedXml.XmlEncNamespaceUrl);
            var edEl = (XmlElement)doc.SelectSingleNode("//xenc:EncryptedData", ns);
            var ekEl = (XmlElement)doc.SelectSingleNode("//xenc:EncryptedKey", ns);
            var ed = new EncryptedData();
            ed.LoadXml(edEl);
            var ek = new EncryptedKey();
            ek.LoadXml(ekEl);
            bool oaep = ek.EncryptionMethod.KeyAlgorithm == EncryptedXml.XmlEncRSAOAEPUrl;
            if (!oaep)
            {
                Console.Error.WriteLine("key transport " + ek.EncryptionMethod.KeyAlgorithm);
                return 2;
            }
            byte[] cek = EncryptedXml.DecryptKey(ek.CipherData.CipherValue, key, true);
            if (ed.EncryptionMethod.KeyAlgorithm != EncryptedXml.XmlEncAES256Url)
            {
                Console.Error.WriteLine("data algorithm " + ed.EncryptionMethod.KeyAlgorithm);
                return 2;
            }
            var aes = new RijndaelManaged { Key = cek };
            byte[] plain = new EncryptedXml(doc).DecryptData(ed, aes);
            var assertion = new XmlDocument { PreserveWhitespace = true };
            assertion.LoadXml(Encoding.UTF8.GetString(plain));
            var dsNs = new XmlNamespaceManager(assertion.NameTable);
            dsNs.AddNamespace("ds", SignedXml.XmlDsigNamespaceUrl);
            var sigEl = (XmlElement)assertion.SelectSingleNode("/*/ds:Signature", dsNs);
            var signed = new SamlSignedXml(assertion.DocumentElement);
            signed.LoadXml(sigEl);
            var sts = new X509Certificate2(args[3]);
            if (!signed.CheckSignature(sts, true))
            {
                Console.Error.WriteLine("signature does not verify");
                return 1;
            }
            Console.Write(assertion.OuterXml);
            return 0;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(e.ToString());
            return 2;
        }
    }
}
