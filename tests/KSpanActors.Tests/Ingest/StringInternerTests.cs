using System.Text;
using System.Text.Json;
using KSpanActors.Ingest;

namespace KSpanActors.Tests.Ingest;

public class StringInternerTests
{
    private static string ReadInterned(StringInterner interner, string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        return interner.InternString(ref reader);
    }

    [Fact]
    public void Equal_values_come_back_as_one_instance()
    {
        var interner = new StringInterner(64);
        var first = interner.Intern(new string("kubelet".AsSpan()));
        var second = interner.Intern(new string("kubelet".AsSpan()));
        Assert.Same(first, second);
        Assert.Same(first, interner.Intern("kubelet".AsSpan()));
    }

    [Fact]
    public void A_json_string_decodes_its_escapes_and_shares_the_cached_instance()
    {
        var interner = new StringInterner(64);
        var plain = ReadInterned(interner, "\"spec.containers{app}\"");
        var escaped = ReadInterned(interner, "\"spec.containers\\u007bapp}\"");
        Assert.Equal("spec.containers{app}", plain);
        Assert.Same(plain, escaped);
        Assert.Equal("h\u00e9llo \u4e16", ReadInterned(interner, "\"h\u00e9llo \\u4e16\""));
    }

    [Fact]
    public void A_json_string_read_twice_allocates_nothing_the_second_time()
    {
        var interner = new StringInterner(64);
        var bytes = "\"kube-controller-manager\""u8.ToArray();
        string Read()
        {
            var reader = new Utf8JsonReader(bytes);
            reader.Read();
            return interner.InternString(ref reader);
        }

        var first = Read();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var second = Read();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Same(first, second);
    }

    [Fact]
    public void A_value_read_as_bytes_and_the_same_value_given_as_text_are_one_instance()
    {
        var interner = new StringInterner(64);
        var fromJson = ReadInterned(interner, "\"kube-system\"");
        Assert.Same(fromJson, interner.Intern(new string("kube-system".AsSpan())));
        var fromText = interner.Intern(new string("default".AsSpan()));
        Assert.Same(fromText, ReadInterned(interner, "\"default\""));
        var accented = interner.Intern(new string("caf\u00e9".AsSpan()));
        Assert.Same(accented, ReadInterned(interner, "\"caf\u00e9\""));
        Assert.Same(accented, ReadInterned(interner, "\"caf\\u00e9\""));
    }

    [Fact]
    public void A_lone_surrogate_given_as_text_passes_through_uncached()
    {
        var interner = new StringInterner(64);
        var value = new string("a\ud800b".AsSpan());
        Assert.Same(value, interner.Intern(value));
        var again = new string("a\ud800b".AsSpan());
        Assert.Same(again, interner.Intern(again));
    }

    [Fact]
    public void Invalid_utf8_is_still_an_error()
    {
        var interner = new StringInterner(64);
        Assert.Throws<InvalidOperationException>(() =>
        {
            var reader = new Utf8JsonReader(new byte[] { (byte)'"', (byte)'a', 0xff, (byte)'"' });
            reader.Read();
            return interner.InternString(ref reader);
        });
    }

    [Fact]
    public void Null_empty_and_long_values_pass_through()
    {
        var interner = new StringInterner(64);
        Assert.Null(interner.Intern((string?)null));
        Assert.Equal("", interner.Intern(""));
        var longValue = new string('x', StringInterner.MaxLength + 1);
        Assert.Same(longValue, interner.Intern(longValue));
        Assert.Equal(longValue, ReadInterned(interner, $"\"{longValue}\""));
    }

    [Fact]
    public void Many_distinct_values_stay_correct_and_the_table_stays_bounded()
    {
        var interner = new StringInterner(16);
        Assert.Equal(16, interner.Capacity);
        for (var i = 0; i < 10_000; i++)
        {
            var value = $"reason-{i % 500}";
            Assert.Equal(value, interner.Intern(value.AsSpan()));
        }
        Assert.Equal(16, interner.Capacity);
    }

    [Fact]
    public async Task Concurrent_callers_always_get_an_equal_value()
    {
        var interner = new StringInterner(32);
        var tasks = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                var value = $"ns-{(i * (t + 1)) % 97}";
                if (!string.Equals(interner.Intern(value.AsSpan()), value, StringComparison.Ordinal)) return false;
            }
            return true;
        })).ToArray();
        Assert.All(await Task.WhenAll(tasks), Assert.True);
    }

    [Fact]
    public void Something_other_than_a_string_token_is_a_json_error()
    {
        var interner = new StringInterner(8);
        Assert.Throws<JsonException>(() => ReadInterned(interner, "5"));
    }
}
