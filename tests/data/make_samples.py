"""Writes the sample contact files in this directory (run once; the outputs are committed).

Headers are the real ones of each exporter (a subset of the long Outlook and Google headers,
in their real order). Encodings and delimiters are those the exporters use: Google and
Thunderbird UTF-8, Outlook UTF-8 with BOM, Excel "CSV" on Chinese Windows GBK, Excel
"Unicode text" UTF-16 with tabs, Excel on a European locale semicolons.

    .venv/bin/python tests/data/make_samples.py
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def write(name: str, text: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(text.replace("\n", "\r\n").encode(encoding))


# Google Contacts, legacy export ("Google CSV" before 2021)
write("google_legacy.csv", """\
Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,Additional Name Yomi,Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,Short Name,Maiden Name,Birthday,Gender,Location,Billing Information,Directory Server,Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,Language,Photo,Group Membership,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value,Organization 1 - Type,Organization 1 - Name,Organization 1 - Yomi Name,Organization 1 - Title,Organization 1 - Department
王明,明,,王,,,,,,,,,,,1985-03-12,,,,,,,,,,,老客户，重视价格,,,* myContacts ::: VIP ::: 展会2026,* Work,Wang.Ming@Example.CN,,,Mobile,+86 138-0013-8000,Work,010-6552 9988,,华为,,采购经理,
Anna Schmidt,Anna,,Schmidt,,,,,,,,,,,--05-01,,,,,,,,,,,"met at the fair
prefers email",,,* myContacts ::: Friends,Home,anna@example.de ::: anna.s@example.de,,,Mobile,+49 151 23456789,,,,Siemens AG,,Buyer,
李娜,娜,,李,,,,,,,,,,,,,,,,,,,,,,,,,* myContacts,,li.na@163.com,,,Mobile,13912345678,,,,,,,
""")

# Google Contacts, current export (2021+)
write("google_current.csv", """\
First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value
明,,王,,,,,,,,华为,采购经理,,1985-03-12,,,* myContacts ::: VIP,Work,wang.ming@example.cn,,,Mobile,138 0013 8000,,
Anna,Maria,Schmidt,,,,,,,,Siemens AG,Buyer,,,,,* myContacts ::: Friends ::: Europe,Home,anna@example.de,,,Mobile,+49 151 23456789,,
John,,Smith,,,,,,,,Acme Inc.,CTO,,1970-01-31,,,* starred,Work,JOHN.SMITH@ACME.COM,,,Work,+1 650-253-0000,,
""")

# Outlook (Windows) CSV export: UTF-8 with BOM
write("outlook.csv", """\
First Name,Middle Name,Last Name,Title,Suffix,Nickname,Given Yomi,Surname Yomi,E-mail Address,E-mail 2 Address,E-mail 3 Address,Home Phone,Home Phone 2,Business Phone,Business Phone 2,Mobile Phone,Car Phone,Other Phone,Primary Phone,Pager,Business Fax,Home Fax,Other Fax,Company Main Phone,Callback,Radio Phone,Telex,TTY/TDD Phone,IMAddress,Job Title,Department,Company,Office Location,Manager's Name,Assistant's Name,Assistant's Phone,Company Yomi,Categories,Birthday,Notes
Peter,,Müller,Mr.,,,,,peter.mueller@example.de,,,,,+49 89 12345678,,+49 170 1234567,,,,,,,,,,,,,,Einkaufsleiter,Einkauf,Bosch GmbH,,,,,,VIP;Messe,5/14/1978,
芳,,张,Ms.,,,,,zhang.fang@example.com.cn,,,,,,,186 1234 5678,,,,,,,,,,,,,,销售总监,,小米,,,,,,VIP,0/0/00,重要客户
""", "utf-8-sig")

# Thunderbird address book export (UTF-8; note the trailing comma)
write("thunderbird.csv", """\
First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,Screen Name,Work Phone,Home Phone,Fax Number,Pager Number,Mobile Number,Home Address,Home Address 2,Home City,Home State,Home ZipCode,Home Country,Work Address,Work Address 2,Work City,Work State,Work ZipCode,Work Country,Job Title,Department,Organization,Web Page 1,Web Page 2,Birth Year,Birth Month,Birth Day,Custom 1,Custom 2,Custom 3,Custom 4,Notes,
Lukas,Weber,Lukas Weber,,lukas.weber@example.at,,,,,,,+43 664 1234567,,,,,,,,,,,,,Engineer,,Voestalpine,,,1990,7,4,,,,,,
娜,刘,刘娜,,liu.na@qq.com,,,,,,,15012345678,,,,,,,,,,,,,经理,,腾讯,,,,12,24,,,,,VIP客户,
""")

# Excel "CSV" saved on Chinese Windows: GBK, comma, Chinese headers
write("chinese_gbk.csv", """\
姓名,公司,职位,手机,电话,邮箱,行业,地区,客户级别,客户来源,备注,标签
王明,华为技术有限公司,采购经理,13800138000,,wangming@huawei.com,通信,深圳,钻石,展会,老客户,VIP、展会2026
李娜,阿里巴巴,运营总监,139-1234-5678,,lina@alibaba-inc.com,电商,杭州,金牌,转介绍,,VIP
张伟,比亚迪,工程师,,0755-8988 8888,,汽车,深圳,银牌,官网,,
赵敏,美团,,13700001111,,,本地生活,北京,普通,,,
""", "gbk")

# Excel on a European locale: UTF-8 with BOM, semicolons
write("bom_semicolon.csv", """\
姓名;公司;手机;邮箱;客户级别
陈静;京东;13511112222;chen.jing@jd.com;A
Julia Novak;Škoda Auto;+420 602 123 456;julia.novak@example.cz;B
""", "utf-8-sig")

# Excel "Unicode text": UTF-16 LE with BOM, tabs
(HERE / "utf16_tab.csv").write_bytes("\ufeff姓名\t公司\t手机\t邮箱\r\n杨洋\t百度\t13611112222\tyangyang@baidu.com\r\n"
                                     "Chloe Dubois\tL'Oréal\t+33 6 12 34 56 78\tchloe@example.fr\r\n"
                                     .encode("utf-16-le"))

# The messy one: multi-line quoted cells, ragged rows, junk bytes, NA/Null names, leading
# zeros, invalid values, a duplicate within the file.
messy = (
    "name,company,email,phone,note\r\n"
    "NA,Null Ltd,na@example.com,13800000001,\"line one\r\nline two\"\r\n"       # row 2 (spans 2 lines)
    "Null,,null@example.com,013800000002,007\r\n"                       # row 3: invalid phone
    "周杰,周氏集团,not-an-email,13800000003,\r\n"                                   # row 4: invalid email
    ",Nobody Inc,nobody@example.com,13800000004,\r\n"                             # row 5: no name
    "吴磊,吴氏,wu@example.com,13800000005\r\n"                                     # row 6: short row: ok
    "徐静,徐氏,xu@example.com,13800000006,,extra,cells\r\n"                        # row 7: too many cells
    "孙悦,孙氏,sun@example.com,13800000007,,,\r\n"                                 # row 8: empty extras: ok
).encode("utf-8")
messy += "胡歌,".encode("utf-8") + b"\xff\xfe junk" + ",hu@example.com,13800000008,\r\n".encode()  # row 9
messy += "马云,阿里,NA@Example.com,,same email as row 2\r\n".encode("utf-8")          # row 10: dup of row 2
messy += "\r\n".encode() + "罗琳,罗氏,luo@example.com,+86 138 0000 0011,\"=1+2\"\r\n".encode("utf-8")  # row 12
(HERE / "messy.csv").write_bytes(messy)
