package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PercentEncodingTest {

    @Test
    void eachSetKeepsItsOwnAsciiAndEncodesTheRestAsUpperCaseHex() {
        String text = "a b%c\n+/=~";
        assertThat(PercentEncoding.encode(text, PercentEncoding.UNRESERVED_AND_BASE64)).isEqualTo("a%20b%25c%0A+/=~");
        assertThat(PercentEncoding.encode(text, PercentEncoding.PRINTABLE)).isEqualTo("a b%25c%0A+/=~");
        assertThat(PercentEncoding.encode(text, PercentEncoding.VISIBLE)).isEqualTo("a%20b%25c%0A+/=~");
    }

    @Test
    void nonAsciiIsItsUtf8BytesAndALoneSurrogateIsTheReplacementCharacter() {
        assertThat(PercentEncoding.encode("Jürgen €\uD83D\uDE00", PercentEncoding.PRINTABLE))
                .isEqualTo("J%C3%BCrgen %E2%82%AC%F0%9F%98%80");
        assertThat(PercentEncoding.encode("x\uD800y", PercentEncoding.PRINTABLE)).isEqualTo("x%EF%BF%BDy");
    }

    @Test
    void aValueWithNothingToEncodeIsReturnedAsItIs() {
        String plain = "CN=client-1,O=Example";
        assertThat(PercentEncoding.encode(plain, PercentEncoding.PRINTABLE)).isSameAs(plain);
    }
}
